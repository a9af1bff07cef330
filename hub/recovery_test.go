package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedHistory is a MemoryBroker whose History reads are counted and
// wait until gate is closed.
type gatedHistory struct {
	*MemoryBroker
	reads atomic.Int32
	gate  chan struct{}
}

func (g *gatedHistory) History(ctx context.Context, topic string, after uint64, all bool) (Recovery, error) {
	g.reads.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return Recovery{}, ctx.Err()
	}
	return g.MemoryBroker.History(ctx, topic, after, all)
}

// Subscribers that come while a topic's history read is in flight share
// the next one: 50 clients recovering at once cost two reads, and each
// gets its missed events, once and in order.
func TestRecoveriesShareReads(t *testing.T) {
	g := &gatedHistory{MemoryBroker: NewMemoryBroker(), gate: make(chan struct{})}
	h, srv := mustHubOn(t, g, Config{MaxConnsPerIP: -1})
	for i := range 20 {
		mustPublish(t, h, pinA, i)
	}
	rec, err := g.MemoryBroker.History(context.Background(), pinA, 0, false)
	if err != nil || rec.Latest.Offset != 20 {
		t.Fatalf("history %+v %v", rec, err)
	}
	since := Position{Offset: 10, Epoch: rec.Latest.Epoch}

	const clients = 50
	conns := make([]*client, clients)
	for i := range conns {
		conns[i] = mustDialURL(t, wsURL(srv))
		conns[i].send(clientMsg{Type: "subscribe", Topic: pinA, Since: &since})
	}
	// Every subscriber is either in the first read's batch (joined to
	// the topic) or queued for the next one.
	s := h.shard(pinA)
	waitFor(t, "every subscriber waiting for a read", 10*time.Second, func() bool {
		s.mu.RLock()
		joined := len(s.topics[pinA])
		s.mu.RUnlock()
		h.reads.mu.Lock()
		queued := len(h.reads.topics[pinA])
		h.reads.mu.Unlock()
		return g.reads.Load() == 1 && joined+queued == clients
	})
	close(g.gate)

	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			m, err := c.read(ctx)
			if err != nil || m.Type != "subscribed" || m.Recovered == nil || !*m.Recovered {
				t.Errorf("answer %+v %v, want recovered", m, err)
				return
			}
			if err := c.expectOffsets(ctx, since, 10); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := g.reads.Load(); n != 2 {
		t.Fatalf("%d history reads for %d subscribers, want 2", n, clients)
	}
}

// A subscriber whose read does not come within recoveryWait, whether its
// batch is reading or still queued behind the read in flight, is answered
// without a position and receives live events from then on.
func TestRecoveryGivesUpOnASlowRead(t *testing.T) {
	defer func(d time.Duration) { recoveryWait = d }(recoveryWait)
	recoveryWait = 300 * time.Millisecond
	g := &gatedHistory{MemoryBroker: NewMemoryBroker(), gate: make(chan struct{})}
	defer close(g.gate) // lets the runner finish before the leak check
	h, srv := mustHubOn(t, g, Config{})
	reading, queued := mustDialURL(t, wsURL(srv)), mustDialURL(t, wsURL(srv))
	reading.send(clientMsg{Type: "subscribe", Topic: pinA})
	waitFor(t, "the first read", 5*time.Second, func() bool { return g.reads.Load() == 1 })
	queued.send(clientMsg{Type: "subscribe", Topic: pinA})
	for _, c := range []*client{reading, queued} {
		m := c.expect("subscribed", pinA, "")
		if m.Offset != nil || m.Recovered == nil || *m.Recovered {
			t.Fatalf("answer %+v, want recovered:false without a position", m)
		}
	}
	mustPublish(t, h, pinA, 7)
	for _, c := range []*client{reading, queued} {
		if m := c.next(); m.Type != "event" || m.Data.Seq != 7 {
			t.Fatalf("got %+v, want event 7", m)
		}
	}
}
