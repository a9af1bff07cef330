package hub

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// pending is a connection's entry in a topic's set while it is subscribed
// with history (see subscribeHistory). Until live, the fan-out keeps the
// topic's events in frames instead of queueing them; the switch to live
// (answer) happens under mu, which the fan-out takes only while live is
// false, so every event lands either in frames before the switch or in
// the connection's queue after the answer.
//
// After the switch only the fan-out uses passed (brokers deliver a topic
// from one goroutine at a time, in order), and floor and epoch no longer
// change: live's store and load order them.
type pending struct {
	mu     sync.Mutex
	live   atomic.Bool
	frames [][]byte // guarded by mu
	// Once live, events at or below floor (of epoch) are dropped: they
	// were published before the history read that covered them, but a
	// broker may still hand them over after it (Redis pushes a PUBLISH to
	// this instance's subscription asynchronously). passed is set by the
	// first newer event; from then on everything goes through.
	passed bool
	floor  uint64
	epoch  string
}

// offer is the fan-out's side of p: it reports whether msg goes to c now.
// Before the switch to live it keeps msg for the answer instead, or, past
// the send queue's size, closes c as a slow consumer.
func (p *pending) offer(c *conn, msg []byte) bool {
	if !p.live.Load() {
		p.mu.Lock()
		if !p.live.Load() {
			defer p.mu.Unlock()
			if len(p.frames) < c.hub.cfg.SendQueue {
				p.frames = append(p.frames, msg)
			} else if c.closeWith(StatusSlowConsumer, "slow consumer") {
				c.hub.slowDisconnects.Add(1)
			}
			return false
		}
		p.mu.Unlock()
	}
	return p.admit(msg)
}

// admit reports whether the live event msg goes to the connection.
func (p *pending) admit(msg []byte) bool {
	if p.passed {
		return true
	}
	o, e, ok := framePosition(msg)
	if !ok {
		// A volatile event (presence) has no place in the order: it
		// neither duplicates nor ends the duplicates' window.
		return true
	}
	if o <= p.floor && string(e) == p.epoch {
		return false
	}
	p.passed = true
	return true
}

// subscribeHistory completes a subscription with its position and, when
// since asks for it, the missed events, with neither gap nor duplicate
// against live events. The subscribers of one topic are served in batches
// (historyReads); for each batch:
//  1. the broker is already subscribed (every event published from now on
//     reaches this instance); the batch's subscribers join the topic with
//     a pending buffer, so the fan-out collects topic's events for them
//     instead of sending them;
//  2. the history is read once: its latest offset L covers every event
//     published before the read, and every later one lands in the buffers;
//  3. each subscriber, on its own goroutine, answers itself (answer): the
//     ack with L, the recovered events (≤ L), then the buffered ones above
//     L, and the switch to live delivery, which still drops events ≤ L:
//     one published before the read may reach this instance after it
//     (Redis pushes to the subscription asynchronously).
//
// If the history cannot be read (Redis away), or no read has answered
// within recoveryWait, the ack carries no position and recovered is
// false, and every buffered event is sent.
func (h *Hub) subscribeHistory(c *conn, hb HistoryBroker, topic string, since *Position) {
	rec := &recovery{c: c, since: since, read: make(chan struct{})}
	h.reads.queue(h, hb, topic, rec)
	t := time.NewTimer(recoveryWait)
	defer t.Stop()
	select {
	case <-rec.read:
		h.answer(rec, rec.batch)
		return
	case <-t.C:
	case <-c.ctx.Done():
	}
	s := h.shard(topic)
	s.mu.Lock()
	select {
	case <-rec.read: // just in time
		s.mu.Unlock()
		h.answer(rec, rec.batch)
		return
	default:
	}
	if !rec.joined {
		rec.p = &pending{}
		s.add(topic, c, rec.p)
	}
	rec.abandoned = true
	s.mu.Unlock()
	h.log.Warn("history read failed", "topic", topic, "err", errRecoveryAbandoned)
	h.answer(rec, newReadBatch(topic, Recovery{}, errRecoveryAbandoned))
}

// errRecoveryAbandoned: a subscriber stopped waiting for its batch's read.
var errRecoveryAbandoned = errors.New("hub: history read not answered in time")

// answer is step 3 of subscribeHistory for rec, with its batch's read b.
func (h *Hub) answer(rec *recovery, b *readBatch) {
	p := rec.p
	p.mu.Lock()
	frames := p.frames
	p.frames = nil
	h.answerLocked(rec, b, frames)
	p.live.Store(true)
	p.mu.Unlock()
}

// answerLocked queues the ack and the events for rec while the fan-out
// keeps the topic's new events in p (p.mu is held).
func (h *Hub) answerLocked(rec *recovery, b *readBatch, frames [][]byte) {
	c, p := rec.c, rec.p
	if b.err != nil {
		p.passed = true
		c.enqueue(b.ackNoPos)
		h.flush(c, frames)
		return
	}
	p.floor, p.epoch = b.rec.Latest.Offset, b.rec.Latest.Epoch
	missed, recovered := b.rec.since(rec.since)
	if recovered {
		c.enqueue(b.ackRecovered)
	} else {
		c.enqueue(b.ack)
	}
	h.flush(c, missed)
	for i, f := range frames {
		// An event of another epoch (Redis lost its data meanwhile) is
		// not covered by the read: send it, the client sees the epoch.
		if p.admit(f) {
			h.flush(c, frames[i:i+1])
		}
	}
}
