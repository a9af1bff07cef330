package hub

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// historyReads batches the history subscriptions of each topic on this
// instance. While one batch reads, the subscribers that come meanwhile
// queue for the next one. A batch costs one read, from the lowest offset
// any of its subscribers asks for, and one hold of the topic's shard lock
// per recoveryChunk subscribers to join them to the topic; then each
// subscriber answers itself on its own goroutine, under its own pending's
// lock (subscribeHistory).
//
// Why not each subscriber under the shard lock, as before: a thousand
// reconnecting clients then took the shard's write lock twice each, and
// the hand-offs between a thousand waiters formed a lock convoy that took
// seconds on a loaded machine (pprof's block profile: 1.5 s of wait per
// subscriber against 65 ms for its share of the reads), while the Redis
// receive loop, which delivers under the read lock, stalled behind it for
// every topic of the shard. Nor the runner answering everyone: one
// goroutine among thousands of runnable writers gets a thousandth of the
// CPU, and under -race its answers outlasted recoveryWait.
type historyReads struct {
	mu     sync.Mutex
	topics map[string][]*recovery // queued subscribers; a key exists while its topic's runner runs
}

// Bounds of a recovery. Variables only so that tests can shorten them.
var (
	// recoveryChunk is the most subscribers joined per hold of the shard
	// lock, so that a big batch does not stall the fan-out of the shard's
	// other topics for long.
	recoveryChunk = 64
	// recoveryWait bounds a subscriber's wait for a read: the one in
	// flight when it came, then its own batch's, each bounded by
	// historyReadTimeout.
	recoveryWait = 2*historyReadTimeout + time.Second
)

// recovery is one subscriber waiting for its history. joined, abandoned
// and p are guarded by the topic's shard lock until read is closed.
type recovery struct {
	c         *conn
	since     *Position
	p         *pending
	joined    bool          // the runner added c to the topic with p
	abandoned bool          // the subscriber stopped waiting: the runner skips it
	read      chan struct{} // closed by the runner once batch is set
	batch     *readBatch
}

// readBatch is one read's outcome, with the "subscribed" frames it gives
// encoded once for the whole batch.
type readBatch struct {
	rec               Recovery
	err               error
	ack, ackRecovered []byte // with the position, recovered false and true
	ackNoPos          []byte // err != nil
}

func newReadBatch(topic string, rec Recovery, err error) *readBatch {
	b := &readBatch{rec: rec, err: err}
	if err != nil {
		b.ackNoPos = serverMsg{Type: "subscribed", Topic: topic, Recovered: new(bool)}.encode()
		return b
	}
	off, yes, no := rec.Latest.Offset, true, false
	b.ack = serverMsg{Type: "subscribed", Topic: topic, Offset: &off, Epoch: rec.Latest.Epoch, Recovered: &no}.encode()
	b.ackRecovered = serverMsg{Type: "subscribed", Topic: topic, Offset: &off, Epoch: rec.Latest.Epoch, Recovered: &yes}.encode()
	return b
}

// queue adds rec to topic's next batch and starts the topic's runner
// unless it runs.
func (r *historyReads) queue(h *Hub, hb HistoryBroker, topic string, rec *recovery) {
	r.mu.Lock()
	if r.topics == nil {
		r.topics = make(map[string][]*recovery)
	}
	q, running := r.topics[topic]
	r.topics[topic] = append(q, rec)
	r.mu.Unlock()
	if !running {
		go h.runRecoveries(hb, topic)
	}
}

// take returns topic's queued subscribers, or nil (and forgets the topic,
// so that the next queue starts a runner) when none is left.
func (r *historyReads) take(topic string) []*recovery {
	r.mu.Lock()
	defer r.mu.Unlock()
	batch := r.topics[topic]
	if len(batch) == 0 {
		delete(r.topics, topic)
		return nil
	}
	r.topics[topic] = nil
	return batch
}

// runRecoveries serves topic's batches until none is queued. A batch's
// subscribers all join the topic (with a pending buffer) before the read
// starts, so every event the read misses reaches their buffers.
func (h *Hub) runRecoveries(hb HistoryBroker, topic string) {
	s := h.shard(topic)
	for {
		batch := h.reads.take(topic)
		if batch == nil {
			return
		}
		after, all := uint64(math.MaxUint64), false
		for _, rec := range batch {
			if rec.since != nil {
				after, all = min(after, rec.since.Offset), true
			}
		}
		for chunk := range slices.Chunk(batch, recoveryChunk) {
			s.mu.Lock()
			for _, rec := range chunk {
				if !rec.abandoned {
					rec.p = &pending{}
					s.add(topic, rec.c, rec.p)
					rec.joined = true
				}
			}
			s.mu.Unlock()
		}
		ctx, cancel := context.WithTimeout(context.Background(), historyReadTimeout)
		res, err := hb.History(ctx, topic, after, all)
		cancel()
		if err != nil {
			h.log.Warn("history read failed", "topic", topic, "subscribers", len(batch), "err", err)
		}
		b := newReadBatch(topic, res, err)
		for _, rec := range batch {
			rec.batch = b
			close(rec.read)
		}
	}
}
