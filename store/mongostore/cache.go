package mongostore

import (
	"container/list"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// cache is a versioned read-through cache shared by every entity, bounded
// in bytes (approximate sizes, see size.go) and evicting the least
// recently used entry. It is an optimization only: with Options.NoCache
// the store has none (a nil *cache) and reads the database every time.
//
// Staleness: a loader reads the version of a key before querying and
// stores its result only if no invalidation of that key happened
// meanwhile, so a slow reader never puts back a value that a concurrent
// write made stale. Versions come from one counter (seq); an evicted key
// forgets its version, so a store into a key with no slot is refused when
// any eviction since the loader's ticket forgot a newer version
// (evictedMax).
//
// Stampedes: concurrent misses of one key at one version share one load
// (singleflight). A reader never joins a load older than its own view:
// the version is part of the flight's key, and every invalidation after
// the write it follows changes that version.
type cache struct {
	mu         sync.Mutex
	slots      map[string]*list.Element // values are *slot
	lru        *list.List               // front = most recently used
	bytes, max int64
	ttl        time.Duration
	seq        uint64 // the last version issued by an invalidation
	evictedMax uint64 // the highest version an eviction forgot

	flights singleflight.Group
}

// slot is a cached value, or only the version of an invalidated key
// (has false): a tombstone that keeps older loaders from storing.
type slot struct {
	key     string
	val     any
	has     bool
	size    int64
	version uint64
	at      time.Time
}

// ticket is what a loader keeps between reading a miss and storing: the
// counter when it looked (gen) and the version it saw (which names its
// flight).
type ticket struct {
	gen, version uint64
}

// tombstoneSize approximates the memory of a slot without a value.
const tombstoneSize = 160

func newCache(ttl time.Duration, maxBytes int64) *cache {
	return &cache{slots: make(map[string]*list.Element), lru: list.New(), ttl: ttl, max: maxBytes}
}

// get returns the cached value for key, or a ticket to store a fresh one.
func (c *cache) get(key string) (any, ticket, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.slots[key]
	if e == nil {
		return nil, ticket{gen: c.seq, version: c.evictedMax}, false
	}
	s := e.Value.(*slot)
	if s.has && time.Since(s.at) < c.ttl {
		c.lru.MoveToFront(e)
		return s.val, ticket{}, true
	}
	return nil, ticket{gen: c.seq, version: s.version}, false
}

// put stores val under key unless the key was invalidated since t was
// taken (or may have been, its version having been evicted).
func (c *cache) put(key string, t ticket, val any) {
	size := sizeOf(val) + int64(len(key)) + tombstoneSize
	if size > c.max/16 {
		return // one value must not flush a sixteenth of the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.slots[key]
	if e == nil {
		if c.evictedMax > t.gen {
			return
		}
		e = c.lru.PushFront(&slot{key: key})
		c.slots[key] = e
	}
	s := e.Value.(*slot)
	if s.version > t.gen {
		return
	}
	c.bytes += size - s.size
	s.val, s.has, s.size, s.at = val, true, size, time.Now()
	c.lru.MoveToFront(e)
	c.evict()
}

// invalidate drops the values of keys and makes outstanding tickets stale.
func (c *cache) invalidate(keys ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.seq++
		e := c.slots[k]
		if e == nil {
			// Remember the version so that a loader holding an older
			// ticket cannot store what it read before this write.
			e = c.lru.PushFront(&slot{key: k})
			c.slots[k] = e
		}
		s := e.Value.(*slot)
		size := int64(len(k)) + tombstoneSize
		c.bytes += size - s.size
		s.val, s.has, s.size, s.version = nil, false, size, c.seq
	}
	c.evict()
}

// evict drops least recently used slots until the cache fits its budget.
func (c *cache) evict() {
	for c.bytes > c.max {
		e := c.lru.Back()
		if e == nil {
			return
		}
		s := e.Value.(*slot)
		c.lru.Remove(e)
		delete(c.slots, s.key)
		c.bytes -= s.size
		c.evictedMax = max(c.evictedMax, s.version)
	}
}

// cached returns the value under key, loading and caching it on a miss.
// Concurrent misses share one load. load must use the ctx of the call
// that passes it: it runs for the first caller (the leader), is cancelled
// with the leader's request, and then the others retry (see coalesce).
func cached[V any](ctx context.Context, c *cache, key string, load func() (V, error)) (V, error) {
	if c == nil {
		return load()
	}
	if v, _, ok := c.get(key); ok {
		return v.(V), nil
	}
	v, err := coalesce(ctx, &c.flights, func() string {
		// Read again: a concurrent store may have filled it.
		_, t, _ := c.get(key)
		return key + "@" + strconv.FormatUint(t.version, 10)
	}, func() (any, error) {
		v, t, ok := c.get(key)
		if ok {
			return v, nil
		}
		fresh, err := load()
		if err == nil {
			c.put(key, t, fresh)
		}
		return fresh, err
	})
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(V), nil
}

// cachedMany returns the values under key(id) for every id, loading all
// misses with one call of load (one database round trip for a whole page).
// Ids that load does not return are absent from the result. Concurrent
// calls missing the same ids at the same versions share one load.
func cachedMany[K comparable, V any](ctx context.Context, c *cache, key func(K) string, ids []K, load func(missing []K) (map[K]V, error)) (map[K]V, error) {
	if c == nil {
		return load(dedupe(ids))
	}
	out := make(map[K]V, len(ids))
	var missing []K
	tickets := make(map[K]ticket)
	// "many" keeps these flights apart from cached's (key@version), whose
	// result is one value, not a map.
	flightKey := []byte("many")
	for _, id := range ids {
		if _, dup := out[id]; dup {
			continue
		}
		if _, dup := tickets[id]; dup {
			continue
		}
		k := key(id)
		v, t, ok := c.get(k)
		if ok {
			out[id] = v.(V)
			continue
		}
		tickets[id] = t
		missing = append(missing, id)
		flightKey = strconv.AppendUint(append(append(append(flightKey, ' '), k...), '@'), t.version, 10)
	}
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := coalesce(ctx, &c.flights, func() string { return string(flightKey) }, func() (any, error) {
		// Read again, as cached does: a flight for these ids that ended
		// just before this one began has stored them.
		found := make(map[K]V, len(missing))
		var still []K
		for _, id := range missing {
			if v, _, ok := c.get(key(id)); ok {
				found[id] = v.(V)
			} else {
				still = append(still, id)
			}
		}
		if len(still) == 0 {
			return found, nil
		}
		loaded, err := load(still)
		if err != nil {
			return nil, err
		}
		for id, v := range loaded {
			if t, ok := tickets[id]; ok {
				c.put(key(id), t, v)
			}
			found[id] = v
		}
		return found, nil
	})
	if err != nil {
		return nil, err
	}
	for id, v := range loaded.(map[K]V) {
		if _, ok := tickets[id]; ok {
			out[id] = v
		}
	}
	return out, nil
}

// dedupe returns ids without repeats, in order.
func dedupe[K comparable](ids []K) []K {
	seen := make(map[K]bool, len(ids))
	out := make([]K, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// leaderGone is the error of a shared load whose leader's request ended:
// the load was cancelled with it, which says nothing to the other waiters.
type leaderGone struct{ err error }

func (e leaderGone) Error() string { return e.err.Error() }
func (e leaderGone) Unwrap() error { return e.err }

// coalesce runs load once for all concurrent callers with the same key.
// The load runs with the ctx of the caller that started it, so a query
// never outlives the request that sent it; when that request ends first,
// callers whose own ctx is still live start over (one of them leads the
// next load). Every caller stops waiting when its own ctx ends.
func coalesce(ctx context.Context, g *singleflight.Group, key func() string, load func() (any, error)) (any, error) {
	for {
		ch := g.DoChan(key(), func() (any, error) {
			v, err := load()
			if err != nil && ctx.Err() != nil {
				return nil, leaderGone{err}
			}
			return v, err
		})
		select {
		case r := <-ch:
			var gone leaderGone
			if errors.As(r.Err, &gone) {
				if ctx.Err() == nil {
					continue
				}
				return nil, gone.err
			}
			return r.Val, r.Err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
