package hub

import (
	"context"
	"math"
	"sync"
)

// historyReads batches the history reads of one topic: while a read is in
// flight, the subscribers that come meanwhile wait and share the next one,
// which reads from the lowest offset any of them asks for. A thousand
// clients recovering one topic at once thus cost Redis a few reads, not a
// thousand. A read only serves subscribers that were queued before it
// started: each has set up its pending buffer by then, so every event after
// the read reaches that buffer (see subscribeHistory).
type historyReads struct {
	mu     sync.Mutex
	topics map[string]*readQueue
}

type readQueue struct {
	waiting []*readReq
}

type readReq struct {
	since *Position
	done  chan readRes // buffered: the reader never waits for a gone caller
}

type readRes struct {
	rec Recovery
	err error
}

// read returns topic's history for a subscriber resuming from since (nil:
// only the position is needed).
func (r *historyReads) read(ctx context.Context, hb HistoryBroker, topic string, since *Position) (Recovery, error) {
	req := &readReq{since: since, done: make(chan readRes, 1)}
	r.mu.Lock()
	if r.topics == nil {
		r.topics = make(map[string]*readQueue)
	}
	q := r.topics[topic]
	start := q == nil
	if start {
		q = &readQueue{}
		r.topics[topic] = q
	}
	q.waiting = append(q.waiting, req)
	r.mu.Unlock()
	if start {
		go r.run(hb, topic, q)
	}
	select {
	case res := <-req.done:
		return res.rec, res.err
	case <-ctx.Done():
		return Recovery{}, ctx.Err()
	}
}

// run reads for the queued subscribers of topic until none is left.
func (r *historyReads) run(hb HistoryBroker, topic string, q *readQueue) {
	for {
		r.mu.Lock()
		batch := q.waiting
		q.waiting = nil
		if len(batch) == 0 {
			delete(r.topics, topic)
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		after, all := uint64(math.MaxUint64), false
		for _, req := range batch {
			if req.since != nil {
				after, all = min(after, req.since.Offset), true
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), historyReadTimeout)
		rec, err := hb.History(ctx, topic, after, all)
		cancel()
		for _, req := range batch {
			req.done <- readRes{rec, err}
		}
	}
}
