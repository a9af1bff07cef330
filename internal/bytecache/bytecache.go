// Package bytecache is the one cache of values that never go stale under
// their key (content-addressed renders, encodings keyed by a hash of what
// they show, image files named by their content): nothing is invalidated,
// and the least recently used entries make room for new ones within a
// budget of bytes.
//
// Caches whose entries do go stale need versions and tombstones instead
// (store/mongostore/cache.go); the SQLite store's prepared statements are
// per connection, counted, and closed on eviction (stmtcache.go). Neither
// is this.
package bytecache

import "sync"

// Cache maps keys to values within a byte budget, evicting the least
// recently used. It is safe for concurrent use. A nil *Cache is a valid,
// disabled cache: Get misses and Put keeps nothing.
type Cache[K comparable, V any] struct {
	size func(K, V) int64
	max  int64

	mu    sync.Mutex
	items map[K]*entry[K, V]
	// lru is the sentinel of a ring of the entries: lru.next is the most
	// recently used, lru.prev the least.
	lru   entry[K, V]
	bytes int64 // the sizes of the entries held, at most max
}

type entry[K comparable, V any] struct {
	key        K
	val        V
	size       int64
	prev, next *entry[K, V]
}

// New returns a cache of at most maxBytes, measuring each entry with
// size (which should count the key's bytes too); maxBytes <= 0 returns
// nil, a cache that keeps nothing.
func New[K comparable, V any](maxBytes int64, size func(K, V) int64) *Cache[K, V] {
	if maxBytes <= 0 {
		return nil
	}
	c := &Cache[K, V]{size: size, max: maxBytes, items: make(map[K]*entry[K, V])}
	c.lru.prev, c.lru.next = &c.lru, &c.lru
	return c
}

// Get returns the value under k and marks it used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.items[k]
	if e == nil {
		var zero V
		return zero, false
	}
	c.unlink(e)
	c.pushFront(e)
	return e.val, true
}

// Put keeps v under k, evicting the least recently used entries to make
// room; a value over the whole budget is not kept. A key already held
// keeps its value: under one key the value never changes.
func (c *Cache[K, V]) Put(k K, v V) {
	if c == nil {
		return
	}
	n := c.size(k, v)
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[k]; e != nil {
		c.unlink(e)
		c.pushFront(e)
		return
	}
	e := &entry[K, V]{key: k, val: v, size: n}
	c.items[k] = e
	c.pushFront(e)
	c.bytes += n
	for c.bytes > c.max {
		old := c.lru.prev
		c.unlink(old)
		delete(c.items, old.key)
		c.bytes -= old.size
	}
}

// Len is the number of entries held (for tests and metrics).
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// unlink takes e out of the ring; pushFront puts it first. c.mu is held.
func (c *Cache[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *Cache[K, V]) pushFront(e *entry[K, V]) {
	e.prev, e.next = &c.lru, c.lru.next
	e.prev.next, e.next.prev = e, e
}
