package hub

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"mypinterest/internal/redistest"
)

// presenceDeadline is docs/LIVE.md §Presence's bound on counting a clean unsubscribe or
// close.
const presenceDeadline = 2 * time.Second

// mustPresenceHub starts a hub on its own RedisBroker and a RedisPresence
// with ttl on a separate client, returned so that a test can cut it.
func mustPresenceHub(tb testing.TB, addr string, ttl time.Duration) (*Hub, *httptest.Server, *redis.Client) {
	tb.Helper()
	pc := mustRedisClient(tb, addr)
	b := NewRedisBroker(mustRedisClient(tb, addr), slog.New(slog.DiscardHandler))
	h, srv := mustHubOn(tb, b, Config{Presence: NewRedisPresence(pc, ttl), Logger: slog.New(slog.DiscardHandler)})
	return h, srv, pc
}

// viewer dials srv and subscribes to topic; watch makes it read presence
// events too.
func viewer(tb testing.TB, srv *httptest.Server, topic string, watch bool) *client {
	tb.Helper()
	c := mustDial(tb, srv, "")
	c.presence = watch
	c.subscribe(topic)
	return c
}

// waitViewers reads presence events until one says want, within d of
// since; it returns the event's rev.
func (c *client) waitViewers(topic string, want int64, since time.Time, d time.Duration) int64 {
	c.tb.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), since.Add(d))
	defer cancel()
	var last int64 = -1
	for {
		m, err := c.read(ctx)
		if err != nil {
			c.tb.Fatalf("waiting for %d viewers of %s within %v (last seen %d): %v", want, topic, d, last, err)
		}
		if m.Type == "event" && m.Event == PresenceEvent && m.Topic == topic {
			if last = m.Data.Viewers; last == want {
				return m.Data.Rev
			}
		}
	}
}

// localViewers is h's own count of topic's viewers and whether it still
// tracks topic at all.
func (h *Hub) localViewers(topic string) (n int, tracked bool) {
	h.presence.mu.Lock()
	defer h.presence.mu.Unlock()
	pv := h.presence.pins[topic]
	if pv != nil {
		n = pv.local
	}
	return n, pv != nil
}

// TestPresenceCountsAcrossInstances: viewers on two instances are counted
// exactly, a clean unsubscribe, a close and a dropped TCP connection are
// counted within 2 s on both, a new viewer learns the total at once, and
// once everyone has left nothing is kept: no Redis key, no tracked pin.
func TestPresenceCountsAcrossInstances(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	hA, srvA, _ := mustPresenceHub(t, r.Addr, 0)
	hB, srvB, _ := mustPresenceHub(t, r.Addr, 0)

	wA := viewer(t, srvA, pinA, true)
	wA.waitViewers(pinA, 1, time.Now(), presenceDeadline)
	var onA, onB []*client
	for range 3 {
		onA = append(onA, viewer(t, srvA, pinA, false))
	}
	wB := viewer(t, srvB, pinA, true)
	for range 4 {
		onB = append(onB, viewer(t, srvB, pinA, false))
	}
	viewer(t, srvB, pinB, false) // another pin counts apart
	now := time.Now()
	wA.waitViewers(pinA, 9, now, 5*time.Second)
	wB.waitViewers(pinA, 9, now, 5*time.Second)
	if n, _ := hA.localViewers(pinA); n != 4 {
		t.Fatalf("A counts %d local viewers, want 4", n)
	}
	if n, _ := hB.localViewers(pinA); n != 5 {
		t.Fatalf("B counts %d local viewers, want 5", n)
	}

	// A clean unsubscribe of two viewers on B.
	start := time.Now()
	for _, c := range onB[:2] {
		c.send(clientMsg{Type: "unsubscribe", Topic: pinA})
	}
	wA.waitViewers(pinA, 7, start, presenceDeadline)
	wB.waitViewers(pinA, 7, start, presenceDeadline)

	// A clean close on A and a connection dropped without a close frame.
	start = time.Now()
	if err := onA[0].ws.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	_ = onA[1].ws.CloseNow()
	wA.waitViewers(pinA, 5, start, presenceDeadline)
	wB.waitViewers(pinA, 5, start, presenceDeadline)

	// A new viewer is told the exact total promptly, whether or not an
	// event could go out to everyone.
	start = time.Now()
	late := viewer(t, srvA, pinA, true)
	late.waitViewers(pinA, 6, start, presenceDeadline)
	wB.waitViewers(pinA, 6, start, presenceDeadline)

	// Everyone leaves: the counts, the Redis keys and the tracked pins go.
	_ = wA.ws.CloseNow()
	_ = wB.ws.CloseNow()
	_ = late.ws.CloseNow()
	_ = onA[2].ws.CloseNow()
	for _, c := range onB[2:] {
		_ = c.ws.CloseNow()
	}
	waitFor(t, "presence state to be released", 5*time.Second, func() bool {
		keys, err := admin.Keys(context.Background(), "presence:"+pinA).Result()
		_, a := hA.localViewers(pinA)
		_, b := hB.localViewers(pinA)
		return err == nil && len(keys) == 0 && !a && !b
	})
}

// TestPresenceVanishedInstance: an instance that stops syncing without
// taking its viewers out (its Redis client cut) has them dropped by the
// others once its counts expire.
func TestPresenceVanishedInstance(t *testing.T) {
	const ttl = time.Second
	r := redistest.Start(t)
	_, srvA, _ := mustPresenceHub(t, r.Addr, ttl)
	_, srvB, pcB := mustPresenceHub(t, r.Addr, ttl)
	wA := viewer(t, srvA, pinA, true)
	for range 3 {
		viewer(t, srvB, pinA, false)
	}
	wA.waitViewers(pinA, 4, time.Now(), 5*time.Second)

	start := time.Now()
	if err := pcB.Close(); err != nil {
		t.Fatal(err)
	}
	// The bound, plus scheduling slack for a loaded test machine.
	wA.waitViewers(pinA, 1, start, PresenceDropBound(ttl)+time.Second)
	if d := time.Since(start); d < ttl-ttl/4-100*time.Millisecond {
		t.Fatalf("dropped after %v, before B's counts could expire (ttl %v)", d, ttl)
	}
}

// TestPresenceDefaultBound: with the default TTL a vanished instance's
// viewers are dropped within docs/LIVE.md §Presence's 30 s, and a zero TTL means it.
func TestPresenceDefaultBound(t *testing.T) {
	if b := PresenceDropBound(DefaultPresenceTTL); b > 30*time.Second {
		t.Fatalf("default drop bound %v exceeds 30 s", b)
	}
	p := NewRedisPresence(nil, 0)
	if p.ttl != DefaultPresenceTTL || p.heartbeat() <= 0 || p.heartbeat() >= p.ttl {
		t.Fatalf("ttl %v heartbeat %v", p.ttl, p.heartbeat())
	}
}

// recordPresence reads c's presence events on a goroutine until the
// connection ends; the returned function stops and hands them over.
func recordPresence(c *client) func() []frameMsg {
	var mu sync.Mutex
	var got []frameMsg
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := c.read(ctx)
			if err != nil {
				return
			}
			if m.Event == PresenceEvent {
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
			}
		}
	}()
	return func() []frameMsg {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// churnAndCount toggles the subscriptions of the churn clients for d while
// the observers record, then checks that observers saw at most one
// presence event per second: revs at least PresenceInterval apart and no
// more events than the window allows.
func churnAndCount(t *testing.T, observers, churn []*client, d time.Duration) {
	t.Helper()
	stops := make([]func() []frameMsg, len(observers))
	for i, o := range observers {
		stops[i] = recordPresence(o)
	}
	start := time.Now()
	on := make([]bool, len(churn))
	for i := 0; time.Since(start) < d; i++ {
		k := i % len(churn)
		typ := "subscribe"
		if on[k] {
			typ = "unsubscribe"
		}
		on[k] = !on[k]
		churn[k].send(clientMsg{Type: typ, Topic: pinA})
		time.Sleep(10 * time.Millisecond) // a steady stream of changes, not a measurement
	}
	for k, c := range churn {
		if on[k] {
			c.send(clientMsg{Type: "unsubscribe", Topic: pinA})
		}
	}
	// Let the last change be published, then stop recording.
	time.Sleep(presenceDeadline)
	window := time.Since(start)
	for i, stop := range stops {
		got := stop()
		if len(got) < 2 {
			t.Fatalf("observer %d saw %d presence events during churn, want several", i, len(got))
		}
		// Counted by when they were decided (rev): one decided just
		// before the window may arrive in it, later under load now
		// that publishing is queued.
		inWindow := 0
		for _, m := range got {
			if m.Data.Rev >= start.UnixMilli() {
				inWindow++
			}
		}
		if max := int(window/PresenceInterval) + 1; inWindow > max {
			t.Fatalf("observer %d saw %d presence events decided in %v, want at most %d: %+v", i, inWindow, window, max, got)
		}
		for j := 1; j < len(got); j++ {
			if gap := got[j].Data.Rev - got[j-1].Data.Rev; gap < PresenceInterval.Milliseconds() {
				t.Fatalf("observer %d: events %d and %d %d ms apart: %+v", i, j-1, j, gap, got)
			}
		}
		if last := got[len(got)-1].Data.Viewers; last != int64(len(observers)) {
			t.Fatalf("observer %d: last count %d, want %d", i, last, len(observers))
		}
	}
}

// TestPresenceAtMostOncePerSecond: under churn on two instances every
// viewer gets at most one presence event per second, and the last one is
// exact.
func TestPresenceAtMostOncePerSecond(t *testing.T) {
	r := redistest.Start(t)
	_, srvA, _ := mustPresenceHub(t, r.Addr, 0)
	_, srvB, _ := mustPresenceHub(t, r.Addr, 0)
	oA := viewer(t, srvA, pinA, true)
	oB := viewer(t, srvB, pinA, true)
	now := time.Now()
	oA.waitViewers(pinA, 2, now, 5*time.Second)
	oB.waitViewers(pinA, 2, now, 5*time.Second)
	var churn []*client
	for i := range 6 {
		srv := srvA
		if i%2 == 1 {
			srv = srvB
		}
		churn = append(churn, mustDial(t, srv, ""))
	}
	churnAndCount(t, []*client{oA, oB}, churn, 3500*time.Millisecond)
}

// TestPresenceEmbedded: the in-memory store counts one instance's viewers
// with the same delays and the same interval.
func TestPresenceEmbedded(t *testing.T) {
	h, srv := mustHub(t, Config{})
	o := viewer(t, srv, pinA, true)
	o.waitViewers(pinA, 1, time.Now(), presenceDeadline)
	var vs []*client
	for range 3 {
		vs = append(vs, viewer(t, srv, pinA, false))
	}
	o.waitViewers(pinA, 4, time.Now(), presenceDeadline)
	start := time.Now()
	vs[0].send(clientMsg{Type: "unsubscribe", Topic: pinA})
	_ = vs[1].ws.CloseNow()
	o.waitViewers(pinA, 2, start, presenceDeadline)

	o2 := viewer(t, srv, pinA, true)
	o.waitViewers(pinA, 3, time.Now(), presenceDeadline)
	o2.waitViewers(pinA, 3, time.Now(), presenceDeadline)
	_ = vs[2].ws.CloseNow()
	var churn []*client
	for range 4 {
		churn = append(churn, mustDial(t, srv, ""))
	}
	churnAndCount(t, []*client{o, o2}, churn, 2500*time.Millisecond)

	// With no viewer left the hub keeps no presence goroutine (hubs that
	// are never shut down, as in some tests, leak nothing).
	_ = o.ws.CloseNow()
	_ = o2.ws.CloseNow()
	waitFor(t, "the presence loop to stop", 5*time.Second, func() bool {
		h.presence.mu.Lock()
		defer h.presence.mu.Unlock()
		return !h.presence.running && len(h.presence.pins) == 0
	})
}

// TestPresenceCleanShutdown: an instance that shuts down takes its viewers
// out of the counts at once, not after its TTL.
func TestPresenceCleanShutdown(t *testing.T) {
	r := redistest.Start(t)
	_, srvA, _ := mustPresenceHub(t, r.Addr, 0)
	hB, srvB, _ := mustPresenceHub(t, r.Addr, 0)
	w := viewer(t, srvA, pinA, true)
	for range 2 {
		// Reading, so that they answer the close handshake.
		defer recordPresence(viewer(t, srvB, pinA, false))()
	}
	w.waitViewers(pinA, 3, time.Now(), 5*time.Second)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hB.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	w.waitViewers(pinA, 1, start, presenceDeadline)
}
