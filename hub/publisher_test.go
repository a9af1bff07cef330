package hub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mypinterest/internal/redistest"
)

// pubTopics are the topics of the publisher tests: one publishing
// goroutine each, so each has a known order.
var pubTopics = []string{pinA, pinB, "pin:aaaaaaaaaaaaaaaaaaaaaaaa", "pin:bbbbbbbbbbbbbbbbbbbbbbbb"}

// subscribeAll subscribes c to every topic and returns each one's offset.
func subscribeAll(c *client, topics []string) map[string]uint64 {
	offs := make(map[string]uint64)
	for _, topic := range topics {
		offs[topic] = *c.subscribeSince(topic, nil).Offset
	}
	return offs
}

// expectInterleaved reads n events of each topic, in any interleaving of
// topics but in order within each: seq 0..n-1, offsets following offs.
func expectInterleaved(t *testing.T, c *client, offs map[string]uint64, n int) {
	t.Helper()
	next := make(map[string]int)
	for range n * len(offs) {
		m := c.next()
		want := next[m.Topic]
		if m.Type != "event" || m.Data.Seq != want || m.Offset == nil || *m.Offset != offs[m.Topic]+uint64(want)+1 {
			t.Fatalf("got %+v, want %s seq %d at offset %d", m, m.Topic, want, offs[m.Topic]+uint64(want)+1)
		}
		next[m.Topic] = want + 1
	}
}

// publishConcurrently publishes n events on each topic, one goroutine per
// topic, back to back (in bursts of burst with a pause of gap between
// them, when burst > 0), and fails on any refusal.
func publishConcurrently(t *testing.T, h *Hub, topics []string, n, burst int, gap time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	var failed atomic.Value
	for _, topic := range topics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if burst > 0 && i > 0 && i%burst == 0 {
					time.Sleep(gap)
				}
				if err := h.Publish(context.Background(), topic, event(topic, i)); err != nil {
					failed.Store(fmt.Sprintf("publish %s %d: %v", topic, i, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		t.Fatal(f)
	}
}

// TestPublishSlowRedis: Redis pausing for 300 ms at a time (far beyond the
// guard's per-call bound) while 500 events are published back to back
// delays them; every one arrives once, in order per topic, at contiguous
// offsets, and none is counted as an error.
func TestPublishSlowRedis(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	h, srv := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	c := mustDialURL(t, wsURL(srv))
	offs := subscribeAll(c, pubTopics)

	// Three pauses of 300 ms, 50 ms apart, while bursts of 25 events per
	// topic go out every 100 ms: most events are published into a pause.
	paused := make(chan struct{})
	go func() {
		defer close(paused)
		for i := range 3 {
			if i > 0 {
				time.Sleep(350 * time.Millisecond)
			}
			if err := admin.Do(context.Background(), "CLIENT", "PAUSE", 300, "ALL").Err(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	const n = 125 // per topic: 500 in all
	start := time.Now()
	publishConcurrently(t, h, pubTopics, n, 25, 100*time.Millisecond)
	<-paused
	expectInterleaved(t, c, offs, n)
	t.Logf("500 events through 3 pauses of 300 ms: all delivered %v after the first publish", time.Since(start).Round(time.Millisecond))
	if s := h.Stats(); s.PublishErrors != 0 || s.Published != n*uint64(len(pubTopics)) {
		t.Fatalf("stats %+v, want %d published, no errors", s, n*len(pubTopics))
	}
}

// lostReplies makes the first `fail` pipelines that carry an append lose
// their replies after Redis ran them, as a connection cut after the
// commands were written would.
type lostReplies struct{ fail atomic.Int32 }

func (*lostReplies) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*lostReplies) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (l *lostReplies) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		hasAppend := slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c.Name() == "evalsha" })
		if err == nil && hasAppend && l.fail.Add(-1) >= 0 {
			for _, c := range cmds {
				c.SetErr(io.ErrUnexpectedEOF)
			}
			return io.ErrUnexpectedEOF
		}
		return err
	}
}

// TestPublishRetryIdempotent: a batch whose replies are lost after it ran
// is sent again, and the append script skips what it already applied: no
// event twice, offsets contiguous, the stream holds each event once.
func TestPublishRetryIdempotent(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	rc := mustRedisClient(t, r.Addr)
	lost := &lostReplies{}
	rc.AddHook(lost)
	h, srv := mustHubOn(t, NewRedisBroker(rc, slog.New(slog.DiscardHandler)), Config{})
	c := mustDialURL(t, wsURL(srv))
	offs := subscribeAll(c, pubTopics[:2])
	lost.fail.Store(1)
	const n = 100
	publishConcurrently(t, h, pubTopics[:2], n, 0, 0)
	expectInterleaved(t, c, offs, n)
	if lost.fail.Load() >= 0 {
		t.Fatal("no reply was lost: the test proves nothing")
	}
	for _, topic := range pubTopics[:2] {
		off, err := admin.HGet(context.Background(), historyKeys(topic)[1], "offset").Uint64()
		if err != nil || off != offs[topic]+n {
			t.Fatalf("%s: last offset %d (%v), want %d", topic, off, err, offs[topic]+n)
		}
	}
}

// TestPublishRedisDown: with Redis stopped, the queued events are dropped
// and counted and further publishes are refused at once; after a restart
// publishing resumes.
func TestPublishRedisDown(t *testing.T) {
	r := redistest.Start(t)
	h, srv := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.Default()), Config{})
	c := mustDialURL(t, wsURL(srv))
	c.subscribe(pinA)
	r.Stop()
	start := time.Now()
	queued := 0
	for h.Publish(context.Background(), pinA, event(pinA, -1)) == nil {
		queued++
		if time.Since(start) > 10*time.Second {
			t.Fatal("publishes still accepted 10 s after Redis stopped")
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("Redis down noticed after %v, %d events queued meanwhile", time.Since(start).Round(time.Millisecond), queued)
	t0 := time.Now()
	for range 100 {
		if h.Publish(context.Background(), pinA, event(pinA, -1)) == nil {
			t.Fatal("a publish was accepted while Redis is known down")
		}
	}
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Fatalf("100 refused publishes took %v", d)
	}
	waitFor(t, "every event counted", 5*time.Second, func() bool {
		return h.Stats().PublishErrors == uint64(queued+101)
	})

	r.Restart(t)
	waitFor(t, "publishing again", 15*time.Second, func() bool {
		return h.PublishVolatile(context.Background(), "other", []byte(`{}`)) == nil
	})
	waitNumSub(t, mustRedisClient(t, r.Addr), pinA, 1)
	mustPublish(t, h, pinA, 0)
	c.expectSeqs(pinA, 0, 1)
}

// TestPublishShutdownDrains: Shutdown sends what is still queued.
func TestPublishShutdownDrains(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	h := New(NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{Authenticate: testAuth})
	const n = 300
	for i := range n {
		if err := h.Publish(context.Background(), pinA, event(pinA, i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if off, err := admin.HGet(context.Background(), historyKeys(pinA)[1], "offset").Int(); err != nil || off != n {
		t.Fatalf("offset %d (%v) after shutdown, want %d", off, err, n)
	}
}

// TestPublishAnsweredInOrderAcrossInstances: with a healthy Redis, Publish
// returns once its event is in Redis, so events published one after the
// other on two instances (as two requests answered in turn behind a load
// balancer) take offsets in that order. Without awaitSent the second
// instance's event often overtakes the first one still queued.
func TestPublishAnsweredInOrderAcrossInstances(t *testing.T) {
	r := redistest.Start(t)
	hA, srvA := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	hB, _ := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	c := mustDialURL(t, wsURL(srvA))
	offs := subscribeAll(c, []string{pinA})
	const n = 200
	for i := range n {
		h := hA
		if i%2 == 1 {
			h = hB
		}
		if err := h.Publish(context.Background(), pinA, event(pinA, i)); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	expectInterleaved(t, c, offs, n)
}
