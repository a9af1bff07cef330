package bytecache

import (
	"fmt"
	"testing"
)

func sizeOf(k string, v []byte) int64 { return int64(len(k) + len(v)) }

// TestBoundedByBytes: however many entries go in, what is held stays
// within the budget, and the newest are kept.
func TestBoundedByBytes(t *testing.T) {
	c := New[string, []byte](10_000, sizeOf)
	for i := range 10_000 {
		c.Put(fmt.Sprintf("k%05d", i), make([]byte, 94)) // 100 bytes each
	}
	held := int64(0)
	for _, m := range []map[string][]byte{c.cur, c.old} {
		for k, v := range m {
			held += sizeOf(k, v)
		}
	}
	if held > 10_000 {
		t.Fatalf("held %d bytes, budget 10000", held)
	}
	if _, ok := c.Get("k09999"); !ok {
		t.Error("the newest entry is gone")
	}
	if _, ok := c.Get("k00000"); ok {
		t.Error("the oldest entry is still there")
	}
}

// TestUsedEntriesStay: an entry read while the cache turns over survives.
func TestUsedEntriesStay(t *testing.T) {
	c := New[string, []byte](2_000, sizeOf)
	c.Put("hot", make([]byte, 97))
	for i := range 100 {
		c.Put(fmt.Sprintf("k%05d", i), make([]byte, 94))
		if _, ok := c.Get("hot"); !ok {
			t.Fatalf("hot entry lost after %d puts", i)
		}
	}
}

// TestOversizedAndDisabled: a value over half the budget is not kept, and
// a cache of no bytes keeps nothing (nil is usable).
func TestOversizedAndDisabled(t *testing.T) {
	c := New[string, []byte](1_000, sizeOf)
	c.Put("big", make([]byte, 600))
	if _, ok := c.Get("big"); ok {
		t.Error("an entry over half the budget was kept")
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
