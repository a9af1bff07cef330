// The WebSocket client: one connection to /ws on this origin, subscribed
// to the page's topics. A frame may hold several JSON messages, one per
// line. When the connection drops it reconnects with growing, jittered
// delays and resumes every topic where it left off (docs/LIVE.md §Recovery): it
// remembers each topic's last offset and epoch and subscribes with
// "since", and the server sends what was missed before any live event.
// Only when the server cannot recover a topic (recovered:false: too old,
// or its history was lost) does the page re-fetch over HTTP.

import { t, toast } from './util.js';

/**
 * connect keeps a live connection for topics. onEvent(event, data, topic)
 * gets every event once, in order; onResync() runs after a reconnection
 * that could not recover every topic, and when a topic's events show a gap
 * (an offset skipped, or a new epoch: the server lost them).
 */
export function connect(topics, onEvent, onResync) {
  let attempt = 0;
  let notice = null;
  let everOpen = false;
  // Per topic: the position of the last event handled, {offset, epoch}.
  const positions = new Map();
  // data-live-resyncs counts the HTTP re-fetches (for the browser tests).
  function refetch() {
    document.body.dataset.liveResyncs = String(Number(document.body.dataset.liveResyncs || 0) + 1);
    onResync();
  }

  // seen applies an event's position and reports whether to handle it:
  // false for a duplicate. A gap asks for a re-fetch (once per message).
  function seen(msg, gaps) {
    if (typeof msg.offset !== 'number' || !msg.epoch) return true; // volatile or an old server
    const last = positions.get(msg.topic);
    positions.set(msg.topic, { offset: msg.offset, epoch: msg.epoch });
    if (!last || last.epoch !== msg.epoch) {
      if (last) gaps.add(msg.topic);
      return true;
    }
    if (msg.offset <= last.offset) {
      positions.set(msg.topic, last);
      return false;
    }
    if (msg.offset > last.offset + 1) gaps.add(msg.topic);
    return true;
  }

  function open() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    let acked = 0;
    let resync = false;
    let lost = false; // some topic was not recovered
    ws.addEventListener('open', () => {
      document.body.dataset.live = 'connecting';
      for (const topic of topics) {
        const msg = { type: 'subscribe', topic };
        const since = positions.get(topic);
        if (since) msg.since = since;
        ws.send(JSON.stringify(msg));
      }
      attempt = 0;
      notice?.remove();
      notice = null;
      resync = everOpen;
      everOpen = true;
    });
    ws.addEventListener('message', (e) => {
      const gaps = new Set();
      for (const line of String(e.data).split('\n')) {
        if (!line.trim()) continue;
        let msg;
        try { msg = JSON.parse(line); } catch { continue; }
        if (msg.type === 'event' && seen(msg, gaps)) {
          // Counts of the events handled, by name (browser tests).
          const counts = (window.liveEventCounts ||= {});
          counts[msg.event] = (counts[msg.event] || 0) + 1;
          onEvent(msg.event, msg.data, msg.topic);
        }
        if (msg.type === 'subscribed') {
          // Not recovered: live events continue after the answer's
          // position. Recovered: the missed events follow and move it.
          if (msg.recovered !== true) {
            lost = true;
            if (typeof msg.offset === 'number' && msg.epoch) {
              positions.set(msg.topic, { offset: msg.offset, epoch: msg.epoch });
            } else {
              positions.delete(msg.topic);
            }
          }
          // data-live="ready" once every topic is acknowledged: a hook
          // for styles and for the browser tests, which must not act
          // earlier. The re-fetch waits for the last ack too: every
          // event published after it arrives live.
          if (++acked === topics.length) {
            document.body.dataset.live = 'ready';
            document.body.dataset.liveRecovered = String(!lost);
            if (resync && lost) refetch();
          }
        }
        // The server could not subscribe (its Redis is away): start over
        // with the usual backoff rather than stay half subscribed.
        if (msg.type === 'error' && msg.code === 'unavailable') ws.close();
      }
      if (gaps.size && acked === topics.length) refetch();
    });
    ws.addEventListener('close', () => {
      document.body.dataset.live = 'closed';
      attempt++;
      if (attempt > 1 && !notice) notice = toast(t('reconnecting'), { kind: 'warn', ms: 0 });
      // 0.5 s doubling to 30 s, with jitter so that a restarted server is
      // not hit by every browser at the same instant.
      const delay = Math.min(30000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
      setTimeout(open, delay);
    });
  }
  open();
}
