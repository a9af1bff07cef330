package hub

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"mypinterest/internal/redistest"
)

// subscribeSince subscribes topic from since (nil: no since) and returns
// the "subscribed" answer.
func (c *client) subscribeSince(topic string, since *Position) frameMsg {
	c.tb.Helper()
	c.send(clientMsg{Type: "subscribe", Topic: topic, Since: since})
	m := c.expect("subscribed", topic, "")
	if m.Offset == nil || m.Epoch == "" || m.Recovered == nil {
		c.tb.Fatalf("subscribed without a position: %+v", m)
	}
	return m
}

// expectRun reads events seq from..to-1 of topic, once each and in order,
// with consecutive offsets in epoch, and returns the last offset.
func (c *client) expectRun(topic string, from, to int, offset uint64, epoch string) uint64 {
	c.tb.Helper()
	for want := from; want < to; want++ {
		m := c.next()
		offset++
		if m.Type != "event" || m.Topic != topic || m.Data.Seq != want {
			var o uint64
			if m.Offset != nil {
				o = *m.Offset
			}
			c.tb.Fatalf("got %+v (offset %d), want event %s seq %d at offset %d", m, o, topic, want, offset)
		}
		if m.Offset == nil || *m.Offset != offset || m.Epoch != epoch {
			c.tb.Fatalf("seq %d: offset %v epoch %q, want %d %q", want, m.Offset, m.Epoch, offset, epoch)
		}
	}
	return offset
}

// testRecovery is the recovery contract on two hubs sharing a broker
// (the same hub twice in the embedded mode): a client leaves after 3
// events, misses 50, and resumes on the other hub while a publisher keeps
// going; it gets every event once, in order, the missed ones first.
func testRecovery(t *testing.T, hPub *Hub, srvA, srvB string) {
	a := mustDialURL(t, srvA)
	ack := a.subscribeSince(pinA, nil)
	if *ack.Recovered {
		t.Fatalf("recovered without since: %+v", ack)
	}
	base, epoch := *ack.Offset, ack.Epoch
	for i := range 3 {
		mustPublish(t, hPub, pinA, i)
	}
	last := a.expectRun(pinA, 0, 3, base, epoch)
	_ = a.ws.CloseNow()

	for i := 3; i < 53; i++ {
		mustPublish(t, hPub, pinA, i)
	}
	// Live events race the recovery: published from before the subscribe
	// until after its answer (at most 100 missed before the answer, so the
	// gap stays within the kept history).
	const total = 253
	var wg sync.WaitGroup
	wg.Add(1)
	started, acked := make(chan struct{}), make(chan struct{})
	go func() {
		defer wg.Done()
		for i := 53; i < total; i++ {
			switch i {
			case 60:
				close(started)
			case 100:
				<-acked
			}
			if err := hPub.Publish(context.Background(), pinA, event(pinA, i)); err != nil {
				t.Errorf("publish %d: %v", i, err)
			}
		}
	}()
	<-started
	b := mustDialURL(t, srvB)
	ack = b.subscribeSince(pinA, &Position{Offset: last, Epoch: epoch})
	close(acked)
	if !*ack.Recovered || ack.Epoch != epoch || *ack.Offset < last+50 {
		t.Fatalf("answer %+v (offset %d), want recovered in epoch %s at offset ≥ %d", ack, *ack.Offset, epoch, last+50)
	}
	b.expectRun(pinA, 3, total, last, epoch)
	wg.Wait()
	// Nothing after the last one: the next event is the next seq.
	mustPublish(t, hPub, pinA, total)
	b.expectRun(pinA, total, total+1, last+total-3, epoch)
}

func mustDialURL(tb testing.TB, url string) *client {
	tb.Helper()
	c, _, err := dial(tb, url, nil)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	return c
}

// testNotRecovered: a position too old, of another epoch or ahead of the
// topic is answered recovered:false with the current position, and live
// events follow.
func testNotRecovered(t *testing.T, h *Hub, srv string) {
	c := mustDialURL(t, srv)
	ack := c.subscribeSince(pinB, nil)
	epoch := ack.Epoch
	const n = 3 * HistorySize
	for i := range n {
		mustPublish(t, h, pinB, i)
	}
	c.expectRun(pinB, 0, n, *ack.Offset, epoch)
	off := uint64(n)
	for i, since := range []Position{{0, epoch}, {n - 1, "other"}, {n + 100, epoch}} {
		d := mustDialURL(t, srv)
		ack := d.subscribeSince(pinB, &since)
		if *ack.Recovered || *ack.Offset != off || ack.Epoch != epoch {
			t.Fatalf("since %+v: answer %+v, want recovered:false at %d in %s", since, ack, off, epoch)
		}
		mustPublish(t, h, pinB, n+i)
		d.expectRun(pinB, n+i, n+i+1, off, epoch)
		c.expectRun(pinB, n+i, n+i+1, off, epoch)
		off++
		_ = d.ws.CloseNow()
	}
}

func TestRecoveryMemory(t *testing.T) {
	h, srv := mustHub(t, Config{})
	testRecovery(t, h, wsURL(srv), wsURL(srv))
}

func TestRecoveryRedisAcrossHubs(t *testing.T) {
	r := redistest.Start(t)
	hA, srvA := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	_, srvB := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	testRecovery(t, hA, wsURL(srvA), wsURL(srvB))
}

func TestNotRecoveredMemory(t *testing.T) {
	h, srv := mustHub(t, Config{})
	testNotRecovered(t, h, wsURL(srv))
}

func TestNotRecoveredRedis(t *testing.T) {
	r := redistest.Start(t)
	h, srv := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	testNotRecovered(t, h, wsURL(srv))
}

// TestRedisRestartChangesEpoch: Redis lost its data, so the topic's
// history is gone: a client resuming from before gets recovered:false and
// a new epoch, and live events go on in the new epoch.
func TestRedisRestartChangesEpoch(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	rb := NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler))
	h, srv := mustHubOn(t, rb, Config{})
	a := mustDialURL(t, wsURL(srv))
	ack := a.subscribeSince(pinA, nil)
	mustPublish(t, h, pinA, 0)
	last := a.expectRun(pinA, 0, 1, *ack.Offset, ack.Epoch)
	_ = a.ws.CloseNow()

	r.Restart(t)
	waitNumSub(t, admin, DisconnectTopic, 1) // the broker is back
	waitFor(t, "publishing again", 15*time.Second, func() bool {
		return h.Publish(context.Background(), pinA, event(pinA, 1)) == nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	b := mustDialURL(t, wsURL(srv))
	got := b.subscribeSince(pinA, &Position{Offset: last, Epoch: ack.Epoch})
	if *got.Recovered || got.Epoch == ack.Epoch || got.Epoch == "" {
		t.Fatalf("after a restart: %+v, want recovered:false and an epoch other than %s", got, ack.Epoch)
	}
	mustPublish(t, h, pinA, 2)
	b.expectRun(pinA, 2, 3, *got.Offset, got.Epoch)
}

// TestMemoryHistoryBounds: the embedded ring keeps HistorySize events per
// topic and forgets the least recently used topic over its cap and idle
// topics; a forgotten topic comes back with a new epoch.
func TestMemoryHistoryBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	m := newMemHistory(4, 2, time.Minute)
	m.now = func() time.Time { return now }
	for i := range 6 {
		m.append("a", event("a", i))
	}
	epochA := m.topics["a"].epoch
	if _, ok := m.read("a", 1, true).since(&Position{Offset: 1, Epoch: epochA}); ok {
		t.Fatal("recovered from offset 1 with only the last 4 of 6 kept")
	}
	r := m.read("a", 2, true)
	evs, ok := r.since(&Position{Offset: 2, Epoch: epochA})
	if !ok || len(evs) != 4 || r.Latest.Offset != 6 {
		t.Fatalf("from 2: %+v, want offsets 3..6", r)
	}
	for i, f := range evs {
		if o, _, ok := framePosition(f); !ok || o != uint64(3+i) {
			t.Fatalf("event %d: %s", i, f)
		}
	}
	if evs, ok := m.read("a", 0, true).since(&Position{Offset: 4, Epoch: epochA}); !ok || len(evs) != 2 {
		t.Fatalf("from 4 out of a read from 0: %d events, %v", len(evs), ok)
	}
	m.read("b", 0, false)
	m.read("c", 0, false) // over the cap of 2: a, least recently used, goes
	if _, ok := m.topics["a"]; ok || len(m.topics) != 2 {
		t.Fatalf("topics %v, want b and c", m.topics)
	}
	if r := m.read("a", 6, true); r.Latest.Epoch == epochA || r.Latest.Offset != 0 {
		t.Fatalf("forgotten topic: %+v, want a new epoch at 0", r)
	}
	now = now.Add(2 * time.Minute)
	m.read("d", 0, false) // b and c are idle: both go
	if len(m.topics) != 1 {
		t.Fatalf("%d topics after the idle time, want 1", len(m.topics))
	}
}

func TestFramePosition(t *testing.T) {
	for _, msg := range []string{`{"a":{"offset":9,"epoch":"x"}}`, `{}`, `{"type":"event","data":{"offset":1}}`} {
		f := withPosition([]byte(msg), 42, "e1")
		o, e, ok := framePosition(f)
		if !ok || o != 42 || string(e) != "e1" {
			t.Fatalf("%s: %d %q %v", f, o, e, ok)
		}
	}
	if _, _, ok := framePosition([]byte(`{"type":"event"}`)); ok {
		t.Fatal("position found in a frame without one")
	}
}
