// The WebSocket client: one connection to /ws on this origin, subscribed
// to the page's topics. A frame may hold several JSON messages, one per
// line. When the connection drops it reconnects with growing, jittered
// delays and, once back, asks the page to re-fetch over HTTP whatever
// events it may have missed meanwhile.

import { t, toast } from './util.js';

/**
 * connect keeps a live connection for topics. onEvent(event, data, topic)
 * gets every event; onResync() runs after each reconnection.
 */
export function connect(topics, onEvent, onResync) {
  let attempt = 0;
  let notice = null;
  let everOpen = false;

  function open() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws`);
    let acked = 0;
    let resync = false;
    ws.addEventListener('open', () => {
      document.body.dataset.live = 'connecting';
      for (const topic of topics) ws.send(JSON.stringify({ type: 'subscribe', topic }));
      attempt = 0;
      notice?.remove();
      notice = null;
      resync = everOpen;
      everOpen = true;
    });
    ws.addEventListener('message', (e) => {
      for (const line of String(e.data).split('\n')) {
        if (!line.trim()) continue;
        let msg;
        try { msg = JSON.parse(line); } catch { continue; }
        if (msg.type === 'event') onEvent(msg.event, msg.data, msg.topic);
        // data-live="ready" once every topic is acknowledged: a hook for
        // styles and for the browser test, which must not act earlier.
        // The re-fetch waits for the last ack too: every event published
        // after it arrives live, so nothing falls between the two.
        if (msg.type === 'subscribed' && ++acked === topics.length) {
          document.body.dataset.live = 'ready';
          if (resync) onResync();
        }
        // The server could not subscribe (its Redis is away): start over
        // with the usual backoff rather than stay half subscribed.
        if (msg.type === 'error' && msg.code === 'unavailable') ws.close();
      }
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
