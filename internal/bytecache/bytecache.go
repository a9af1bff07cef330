// Package bytecache is a cache bounded by the bytes its values hold, for
// values that never go stale under their key (content-addressed renders,
// encodings keyed by a hash of what they show): nothing is invalidated,
// the oldest entries simply make room.
//
// It keeps two generations: new entries go to the current one; when that
// holds half the budget, it becomes the old one and the previous old one
// is dropped. A hit in the old generation moves the entry forward, so what
// is used stays. Memory never exceeds the budget (plus the keys' bytes,
// which Size should count), and the bookkeeping is two maps, no list.
package bytecache

import "sync"

// Cache maps keys to values within a byte budget. A nil *Cache is a
// valid, disabled cache: Get misses and Put keeps nothing.
type Cache[K comparable, V any] struct {
	size func(K, V) int64
	half int64

	mu       sync.Mutex
	cur, old map[K]V
	curBytes int64
}

// New returns a cache of at most maxBytes, measuring each entry with
// size; maxBytes <= 0 returns nil, a cache that keeps nothing.
func New[K comparable, V any](maxBytes int64, size func(K, V) int64) *Cache[K, V] {
	if maxBytes <= 0 {
		return nil
	}
	return &Cache[K, V]{size: size, half: maxBytes / 2, cur: make(map[K]V), old: make(map[K]V)}
}

// Get returns the value under k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.old[k]
	if !ok {
		return zero, false
	}
	delete(c.old, k)
	c.add(k, v)
	return v, true
}

// Put keeps v under k, unless v alone is over half the budget.
func (c *Cache[K, V]) Put(k K, v V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return
	}
	delete(c.old, k)
	c.add(k, v)
}

// add puts an entry into the current generation, turning generations over
// when it is full. c.mu is held.
func (c *Cache[K, V]) add(k K, v V) {
	n := c.size(k, v)
	if n > c.half {
		return
	}
	if c.curBytes+n > c.half {
		c.old, c.cur, c.curBytes = c.cur, make(map[K]V), 0
	}
	c.cur[k] = v
	c.curBytes += n
}

// Len is the number of entries held (for tests and metrics).
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
