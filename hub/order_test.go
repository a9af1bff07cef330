package hub

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"mypinterest/internal/redistest"
)

// orderCheck follows one subscriber's events of a topic: each must have
// the next offset of one epoch (no gap, no duplicate, no step back) and
// come after the previous event of its publisher (seq = publisher·1000 +
// its own count), since every publisher waits for each publish to return.
type orderCheck struct {
	last   uint64
	epoch  string
	latest map[int]int // per publisher: highest count seen
	seen   int
}

func newOrderCheck(offset uint64, epoch string) *orderCheck {
	return &orderCheck{last: offset, epoch: epoch, latest: make(map[int]int)}
}

func (o *orderCheck) add(m frameMsg) error {
	if m.Type != "event" || m.Offset == nil {
		return fmt.Errorf("got %+v, want an event with a position", m)
	}
	if *m.Offset != o.last+1 || m.Epoch != o.epoch {
		return fmt.Errorf("seq %d at offset %d of %q, want offset %d of %q", m.Data.Seq, *m.Offset, m.Epoch, o.last+1, o.epoch)
	}
	pub, n := m.Data.Seq/1000, m.Data.Seq%1000
	if prev, ok := o.latest[pub]; ok && n <= prev {
		return fmt.Errorf("publisher %d: event %d at offset %d after its event %d", pub, n, *m.Offset, prev)
	}
	o.last, o.latest[pub] = *m.Offset, n
	o.seen++
	return nil
}

// readOrdered reads events into o until it has seen want of them.
func readOrdered(c *client, o *orderCheck, want int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for o.seen < want {
		m, err := c.read(ctx)
		if err != nil {
			return fmt.Errorf("after %d events: %w", o.seen, err)
		}
		if err := o.add(m); err != nil {
			return err
		}
	}
	return nil
}

// TestBurstOrderAcrossInstances is fanbench's burst on two instances: 8
// publishers publish back to back into one topic, each alternating between
// the instances (as through a load balancer), while instance A reaches
// Redis slowly (each command held 150 ms, beyond what a publish used to
// wait). Every subscriber, on either instance, and one that leaves and
// recovers on the other instance in the middle of the burst, sees every
// event once, at strictly consecutive offsets, and each publisher's events
// in the order it published them.
func TestBurstOrderAcrossInstances(t *testing.T) {
	r := redistest.Start(t)
	log := slog.New(slog.DiscardHandler)
	hA, srvA := mustHubOn(t, NewRedisBroker(mustRedisClient(t, delayProxy(t, r.Addr, 150*time.Millisecond)), log), Config{})
	hB, srvB := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), log), Config{})
	hubs, urls := []*Hub{hA, hB}, []string{wsURL(srvA), wsURL(srvB)}
	const publishers, each = 8, 24
	const total = publishers * each

	type sub struct {
		c *client
		o *orderCheck
	}
	var subs []sub
	for i := range 6 {
		c := mustDialURL(t, urls[i%2])
		ack := c.subscribeSince(pinA, nil)
		subs = append(subs, sub{c, newOrderCheck(*ack.Offset, ack.Epoch)})
	}
	leaver := mustDialURL(t, urls[0])
	ack := leaver.subscribeSince(pinA, nil)
	left := newOrderCheck(*ack.Offset, ack.Epoch)

	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				if err := hubs[(p+i)%2].Publish(context.Background(), pinA, event(pinA, p*1000+i)); err != nil {
					t.Errorf("publisher %d, event %d: %v", p, i, err)
					return
				}
			}
		})
	}
	for _, s := range subs {
		wg.Go(func() {
			if err := readOrdered(s.c, s.o, total); err != nil {
				t.Error(err)
			}
		})
	}
	// The leaver reads a third of the burst, leaves, and resumes on B
	// while the burst goes on.
	wg.Go(func() {
		if err := readOrdered(leaver, left, total/3); err != nil {
			t.Error(err)
			return
		}
		_ = leaver.ws.CloseNow()
		back, _, err := dial(t, urls[1], nil)
		if err != nil {
			t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req := fmt.Appendf(nil, `{"type":"subscribe","topic":%q,"since":{"offset":%d,"epoch":%q}}`, pinA, left.last, left.epoch)
		if err := back.ws.Write(ctx, websocket.MessageText, req); err != nil {
			t.Error(err)
			return
		}
		m, err := back.read(ctx)
		if err != nil || m.Type != "subscribed" || m.Recovered == nil || !*m.Recovered {
			t.Errorf("resubscribe answer %+v %v, want recovered", m, err)
			return
		}
		if err := readOrdered(back, left, total); err != nil {
			t.Error("recovered:", err)
		}
	})
	wg.Wait()
}

// noScript answers the first pipeline carrying an append with NOSCRIPT,
// without running it, as a fresh Redis would, and holds the retry until
// release is closed.
type noScript struct {
	calls            atomic.Int32
	retried, release chan struct{}
}

type noScriptErr struct{}

func (noScriptErr) Error() string { return "NOSCRIPT No matching script." }
func (noScriptErr) RedisError()   {}

func (*noScript) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*noScript) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (n *noScript) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c.Name() == "evalsha" }) {
			return next(ctx, cmds)
		}
		switch n.calls.Add(1) {
		case 1:
			for _, c := range cmds {
				c.SetErr(noScriptErr{})
			}
			return noScriptErr{}
		case 2:
			close(n.retried)
			<-n.release
		}
		return next(ctx, cmds)
	}
}

// A NOSCRIPT (the first append on a fresh Redis) is no reason for a
// publish to stop waiting for its event: a client's write answered on A
// and its next one on B keep their order while A's batch is retried.
func TestPublishWaitsThroughNoScript(t *testing.T) {
	r := redistest.Start(t)
	log := slog.New(slog.DiscardHandler)
	hook := &noScript{retried: make(chan struct{}), release: make(chan struct{})}
	rcA := mustRedisClient(t, r.Addr)
	rcA.AddHook(hook)
	hA, _ := mustHubOn(t, NewRedisBroker(rcA, log), Config{})
	hB, srvB := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), log), Config{})
	c := mustDialURL(t, wsURL(srvB))
	offs := subscribeAll(c, []string{pinA})

	publish := func(h *Hub, seq int) {
		if err := h.Publish(context.Background(), pinA, event(pinA, seq)); err != nil {
			t.Errorf("publish %d: %v", seq, err)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { publish(hA, 0) })
	<-hook.retried
	second := make(chan struct{})
	wg.Go(func() {
		defer close(second)
		publish(hA, 1)
		publish(hB, 2)
	})
	// Event 1 must wait for the held retry, so event 2 cannot go out
	// before the release.
	select {
	case <-second:
	case <-time.After(300 * time.Millisecond):
	}
	close(hook.release)
	wg.Wait()
	expectInterleaved(t, c, offs, 3)
}

// A publish waits for its event, but stops once the guard's breaker opens:
// a hung Redis costs a request no more than the guard takes to notice.
func TestPublishWaitEndsWhenGuardOpens(t *testing.T) {
	r := redistest.Start(t)
	rc := mustRedisClient(t, delayProxy(t, r.Addr, 2*time.Second))
	h, _ := mustHubOn(t, NewRedisBroker(rc, slog.New(slog.DiscardHandler)), Config{})
	returned := make(chan time.Time, 1)
	go func() {
		if err := h.Publish(context.Background(), pinA, event(pinA, 0)); err != nil {
			t.Error(err)
		}
		returned <- time.Now()
	}()
	select {
	case <-returned:
		t.Fatal("the publish returned before its event reached Redis")
	case <-time.After(200 * time.Millisecond):
	}
	g := GuardFor(rc)
	for range redisTripAfter {
		g.report(ErrRedisUnavailable)
	}
	opened := time.Now()
	select {
	case at := <-returned:
		if d := at.Sub(opened); d > 500*time.Millisecond {
			t.Fatalf("the publish returned %v after the breaker opened", d)
		}
	case <-time.After(time.Second):
		t.Fatal("the publish still waits a second after the breaker opened")
	}
}
