package bytecache

import (
	"fmt"
	"sync"
	"testing"
)

func sizeOf(k string, v []byte) int64 { return int64(len(k) + len(v)) }

// held sums the sizes of what c holds, checking that the map and the
// ring agree and that the running count is right.
func held(t *testing.T, c *Cache[string, []byte]) int64 {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	n, sum := 0, int64(0)
	for e := c.lru.next; e != &c.lru; e = e.next {
		if c.items[e.key] != e {
			t.Fatalf("%q is in the ring but not the map", e.key)
		}
		n++
		sum += sizeOf(e.key, e.val)
	}
	if n != len(c.items) || sum != c.bytes {
		t.Fatalf("ring: %d entries, %d bytes; map: %d entries; count: %d bytes", n, sum, len(c.items), c.bytes)
	}
	return sum
}

// TestBoundedByBytes: however many entries go in, what is held stays
// within the budget, and the newest are kept.
func TestBoundedByBytes(t *testing.T) {
	c := New[string, []byte](10_000, sizeOf)
	for i := range 10_000 {
		c.Put(fmt.Sprintf("k%05d", i), make([]byte, 94)) // 100 bytes each
	}
	if n := held(t, c); n != 10_000 {
		t.Fatalf("held %d bytes, want the full budget of 10000", n)
	}
	if _, ok := c.Get("k09999"); !ok {
		t.Error("the newest entry is gone")
	}
	if _, ok := c.Get("k00000"); ok {
		t.Error("the oldest entry is still there")
	}
}

// TestLeastRecentlyUsedGoes: a full cache makes room by dropping the
// entry used longest ago, and a read counts as a use.
func TestLeastRecentlyUsedGoes(t *testing.T) {
	c := New[string, []byte](1_000, sizeOf)
	for i := range 10 {
		c.Put(fmt.Sprint("k", i), make([]byte, 98)) // full: 10 × 100
	}
	c.Get("k0")
	c.Put("k0", make([]byte, 98)) // already there: a use, not a second copy
	c.Put("new", make([]byte, 97))
	if _, ok := c.Get("k1"); ok {
		t.Error("k1, the least recently used, was kept")
	}
	for _, k := range []string{"k0", "k2", "k9", "new"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s, used more recently, was dropped", k)
		}
	}
	held(t, c)
}

// TestOversizedAndDisabled: a value over the budget is not kept and
// evicts nothing, and a cache of no bytes keeps nothing (nil is usable).
func TestOversizedAndDisabled(t *testing.T) {
	c := New[string, []byte](1_000, sizeOf)
	c.Put("small", make([]byte, 10))
	c.Put("big", make([]byte, 1_000))
	if _, ok := c.Get("big"); ok {
		t.Error("an entry over the budget was kept")
	}
	if _, ok := c.Get("small"); !ok {
		t.Error("an entry too big to keep evicted another")
	}
	off := New[string, []byte](0, sizeOf)
	if off != nil {
		t.Fatal("a zero budget should give the nil cache")
	}
	off.Put("a", []byte("x"))
	if _, ok := off.Get("a"); ok || off.Len() != 0 {
		t.Error("a disabled cache kept something")
	}
}

// TestConcurrentUse: concurrent readers and writers (run under -race)
// leave the cache consistent and within its budget.
func TestConcurrentUse(t *testing.T) {
	c := New[string, []byte](5_000, sizeOf)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2_000 {
				k := fmt.Sprint("k", (g*7+i)%300)
				if v, ok := c.Get(k); ok && len(v) != 40+len(k) {
					t.Errorf("%s holds %d bytes, not what was put", k, len(v))
					return
				}
				c.Put(k, make([]byte, 40+len(k)))
			}
		})
	}
	wg.Wait()
	if n := held(t, c); n > 5_000 {
		t.Fatalf("held %d bytes, budget 5000", n)
	}
}
