package mongostore

import (
	"sync"
	"time"
)

// cache is a versioned read-through cache shared by every entity. A loader
// reads the version of a key before querying and stores its result only if
// no invalidation happened meanwhile, so a slow reader can never put back a
// value that a concurrent write has made stale.
type cache struct {
	mu    sync.RWMutex
	slots map[string]*slot
	epoch uint64 // bumped when the whole map is dropped for size
	ttl   time.Duration
	max   int
}

type slot struct {
	val     any
	has     bool
	version uint64
	at      time.Time
}

// ticket is what a loader keeps between reading a miss and storing a value.
type ticket struct {
	epoch, version uint64
}

func newCache(ttl time.Duration, max int) *cache {
	return &cache{slots: make(map[string]*slot), ttl: ttl, max: max}
}

// get returns the cached value for key, or a ticket to store a fresh one.
func (c *cache) get(key string) (any, ticket, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s := c.slots[key]
	if s == nil {
		return nil, ticket{epoch: c.epoch}, false
	}
	if s.has && time.Since(s.at) < c.ttl {
		return s.val, ticket{}, true
	}
	return nil, ticket{epoch: c.epoch, version: s.version}, false
}

// put stores val under key unless the key was invalidated since t was taken.
func (c *cache) put(key string, t ticket, val any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.epoch != c.epoch {
		return
	}
	s := c.slots[key]
	if s == nil {
		if t.version != 0 {
			return
		}
		if len(c.slots) >= c.max {
			c.slots = make(map[string]*slot)
			c.epoch++
			return
		}
		s = &slot{}
		c.slots[key] = s
	}
	if s.version != t.version {
		return
	}
	s.val, s.has, s.at = val, true, time.Now()
}

// invalidate drops the values of keys and makes outstanding tickets stale.
func (c *cache) invalidate(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		s := c.slots[k]
		if s == nil {
			// Remember the key so that a loader holding a version-0
			// ticket cannot store what it read before this write.
			s = &slot{}
			c.slots[k] = s
		}
		s.version++
		s.val, s.has = nil, false
	}
}

// cached returns the value under key, loading and caching it on a miss.
func cached[V any](c *cache, key string, load func() (V, error)) (V, error) {
	cachedVal, t, ok := c.get(key)
	if ok {
		return cachedVal.(V), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.put(key, t, v)
	return v, nil
}

// cachedMany returns the values under prefix+id for every id, loading all
// misses with one call of load (one database round trip for a whole page).
// Ids that load does not return are absent from the result.
func cachedMany[V any](c *cache, prefix string, ids []string, load func(missing []string) (map[string]V, error)) (map[string]V, error) {
	out := make(map[string]V, len(ids))
	var missing []string
	tickets := make(map[string]ticket)
	for _, id := range ids {
		if _, dup := out[id]; dup {
			continue
		}
		if _, dup := tickets[id]; dup {
			continue
		}
		v, t, ok := c.get(prefix + id)
		if ok {
			out[id] = v.(V)
			continue
		}
		tickets[id] = t
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := load(missing)
	if err != nil {
		return nil, err
	}
	for _, id := range missing {
		v, ok := loaded[id]
		if !ok {
			continue
		}
		c.put(prefix+id, tickets[id], v)
		out[id] = v
	}
	return out, nil
}
