package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mypinterest/store"
)

// The cache holds at most its budget of bytes, counted from the values'
// sizes (long texts included), and evicts the least recently used first.
func TestCacheBoundedInBytes(t *testing.T) {
	const budget = 256 << 10
	c := newCache(time.Hour, budget)
	pin := func(i int) store.Pin {
		return store.Pin{Title: fmt.Sprint(i), Content: strings.Repeat("x", 4000)}
	}
	put := func(key string, v any) {
		_, tk, _ := c.get(key)
		c.put(key, tk, v)
	}
	put("pin:hot", pin(-1))
	for i := range 1000 {
		put(fmt.Sprint("pin:", i), pin(i))
		if _, _, ok := c.get("pin:hot"); !ok {
			t.Fatalf("the most recently used entry was evicted after %d puts", i)
		}
		if c.bytes > budget {
			t.Fatalf("%d bytes over a budget of %d", c.bytes, budget)
		}
	}
	if _, _, ok := c.get("pin:0"); ok {
		t.Error("the least recently used entry was kept")
	}
	if n := len(c.slots); n*4000 > budget || n < budget/2/4200 {
		t.Errorf("%d entries of ~4 KB in a budget of %d", n, budget)
	}
}

// A loader that read before a write must not store its value after it,
// even when the write's record of the key was evicted meanwhile.
func TestCacheRefusesStaleValues(t *testing.T) {
	c := newCache(time.Hour, 64<<10)
	_, before, _ := c.get("k")
	c.invalidate("k")
	c.put("k", before, "stale")
	if _, _, ok := c.get("k"); ok {
		t.Fatal("stored a value read before the invalidation")
	}
	_, before, _ = c.get("k")
	c.invalidate("k")
	for i := range 2000 { // evicts k's tombstone
		_, tk, _ := c.get(fmt.Sprint(i))
		c.put(fmt.Sprint(i), tk, int64(i))
	}
	if _, ok := c.slots["k"]; ok {
		t.Fatal("the tombstone was not evicted; the test needs more puts")
	}
	c.put("k", before, "stale")
	if _, _, ok := c.get("k"); ok {
		t.Fatal("stored a stale value once the key's version was evicted")
	}
	_, after, _ := c.get("k")
	c.put("k", after, "fresh")
	if v, _, ok := c.get("k"); !ok || v != "fresh" {
		t.Fatalf("a load after the write was not stored: %v %v", v, ok)
	}
}

// loader counts its calls and blocks until released or its ctx ends.
type loader struct {
	calls   atomic.Int32
	release chan struct{}
}

func newLoader() *loader { return &loader{release: make(chan struct{})} }

func (l *loader) load(ctx context.Context, v string) func() (string, error) {
	return func() (string, error) {
		l.calls.Add(1)
		select {
		case <-l.release:
			return v, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

type result struct {
	v   string
	err error
}

func goCached(ctx context.Context, c *cache, l *loader, v string) chan result {
	ch := make(chan result, 1)
	go func() {
		got, err := cached(ctx, c, "k", l.load(ctx, v))
		ch <- result{got, err}
	}()
	return ch
}

// Concurrent misses of one key share one load.
func TestCachedCoalescesColdLoads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, l := newCache(time.Hour, 1<<20), newLoader()
		var waiting []chan result
		for range 16 {
			waiting = append(waiting, goCached(t.Context(), c, l, "v"))
		}
		synctest.Wait() // every caller is blocked: in the load or waiting for it
		if n := l.calls.Load(); n != 1 {
			t.Fatalf("%d loads for 16 concurrent misses", n)
		}
		close(l.release)
		for _, ch := range waiting {
			if r := <-ch; r.v != "v" || r.err != nil {
				t.Fatalf("got %q, %v", r.v, r.err)
			}
		}
	})
}

// The load runs with its leader's ctx, so it stops when that request
// ends; the other callers then load again rather than fail.
func TestCachedLeaderCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, l := newCache(time.Hour, 1<<20), newLoader()
		leaderCtx, cancel := context.WithCancel(t.Context())
		leader := goCached(leaderCtx, c, l, "v")
		synctest.Wait()
		waiter := goCached(t.Context(), c, l, "v")
		synctest.Wait()
		cancel()
		if r := <-leader; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("leader: %q, %v; want its own cancellation", r.v, r.err)
		}
		synctest.Wait()
		if n := l.calls.Load(); n != 2 {
			t.Fatalf("%d loads; want the waiter to start a second one", n)
		}
		close(l.release)
		if r := <-waiter; r.v != "v" || r.err != nil {
			t.Fatalf("waiter: %q, %v", r.v, r.err)
		}
	})
}

// A caller stops waiting when its own request ends; the load goes on for
// the others.
func TestCachedWaiterCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, l := newCache(time.Hour, 1<<20), newLoader()
		leader := goCached(t.Context(), c, l, "v")
		synctest.Wait()
		waiterCtx, cancel := context.WithCancel(t.Context())
		waiter := goCached(waiterCtx, c, l, "v")
		synctest.Wait()
		cancel()
		if r := <-waiter; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("waiter: %q, %v", r.v, r.err)
		}
		close(l.release)
		if r := <-leader; r.v != "v" || r.err != nil {
			t.Fatalf("leader: %q, %v", r.v, r.err)
		}
		if n := l.calls.Load(); n != 1 {
			t.Fatalf("%d loads", n)
		}
	})
}

// A read that starts after a write never joins a load that started
// before it (which may have read the old value).
func TestCachedReadAfterWriteLoadsAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCache(time.Hour, 1<<20)
		old, fresh := newLoader(), newLoader()
		before := goCached(t.Context(), c, old, "old")
		synctest.Wait()
		c.invalidate("k") // a write committed after the load began
		after := goCached(t.Context(), c, fresh, "new")
		synctest.Wait()
		if fresh.calls.Load() != 1 {
			t.Fatal("the read after the write joined the older load")
		}
		close(old.release)
		close(fresh.release)
		if r := <-after; r.v != "new" {
			t.Fatalf("read after the write got %q", r.v)
		}
		if r := <-before; r.v != "old" {
			t.Fatalf("read before the write got %q", r.v)
		}
		if v, _, ok := c.get("k"); ok && v != "new" {
			t.Fatalf("cached %q after the write", v)
		}
	})
}

// Without a cache (Options.NoCache) every call loads.
func TestNoCacheLoadsEveryTime(t *testing.T) {
	var calls int
	for range 3 {
		v, err := cached(t.Context(), nil, "k", func() (int, error) { calls++; return calls, nil })
		if err != nil || v != calls {
			t.Fatal(v, err)
		}
	}
	if calls != 3 {
		t.Fatalf("%d loads for 3 calls", calls)
	}
	c := (*cache)(nil)
	c.invalidate("k") // a no-op, not a panic
}

// Sizes grow with what a value holds.
func TestSizeOfCountsTexts(t *testing.T) {
	small := sizeOf(store.Pin{Title: "t"})
	big := sizeOf(store.Pin{Title: "t", Content: strings.Repeat("x", 5000)})
	if big-small < 5000 {
		t.Errorf("a 5000-byte content adds %d bytes", big-small)
	}
	if n := sizeOf([]store.Comment{{Content: strings.Repeat("y", 2000)}, {Content: "z"}}); n < 2001 {
		t.Errorf("two comments: %d bytes", n)
	}
}
