package handlers

import (
	"hash/maphash"

	"mypinterest/internal/bytecache"
)

// pageCache keeps whole pages rendered for signed-out visitors, keyed by a
// hash of everything the page shows. Most browsing is anonymous and the
// data of a page comes from the store's cache in microseconds, while
// running the templates costs far more; a page whose data changed gets a
// new key, so nothing needs invalidating.
type pageCache struct {
	seed  maphash.Seed
	pages *bytecache.Cache[uint64, []byte]
}

func newPageCache(maxBytes int64) *pageCache {
	return &pageCache{seed: maphash.MakeSeed(), pages: bytecache.New(maxBytes, func(_ uint64, page []byte) int64 {
		return int64(8 + len(page))
	})}
}

// key returns the page's key, and false when it must not be shared (see
// pageKey).
func (pc *pageCache) key(page string, v *view) (uint64, bool) { return pageKey(pc.seed, page, v) }

func (pc *pageCache) get(k uint64) ([]byte, bool) { return pc.pages.Get(k) }

func (pc *pageCache) put(k uint64, page []byte) { pc.pages.Put(k, page) }
