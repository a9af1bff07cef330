package handlers

import (
	"hash/maphash"
	"strconv"

	"mypinterest/internal/bytecache"
	"mypinterest/store"
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

// key returns the hash of what page shows to v, and false when the page
// must not be shared: a signed-in viewer, a CSRF token, a flash message or
// a form being shown again.
func (pc *pageCache) key(page string, v *view) (uint64, bool) {
	if v.Me != nil || v.CSRF != "" || v.Flash != "" || len(v.Form) > 0 || len(v.Errors) > 0 ||
		v.Group != nil || len(v.Groups) > 0 || len(v.Choices) > 0 || len(v.Notes) > 0 {
		return 0, false
	}
	var h maphash.Hash
	h.SetSeed(pc.seed)
	put := func(parts ...string) {
		for _, p := range parts {
			h.WriteString(p)
			h.WriteByte(0)
		}
	}
	num := func(n int64) { put(strconv.FormatInt(n, 10)) }
	put(page, v.Lang, v.Path, v.Static, v.Query, v.Next, v.Source, v.MoreURL, v.Heading, v.Intro, v.Message, v.CommentsNext)
	num(int64(v.Status))
	put(v.Topics...)
	for i := range v.Pins {
		hashPin(put, num, &v.Pins[i])
	}
	put("pin")
	if v.Pin != nil {
		hashPin(put, num, v.Pin)
	}
	put("comments")
	for _, c := range v.Comments {
		put(c.ID.Hex(), c.Content)
		num(c.CreatedAt.UnixMilli())
		hashCard(put, c.Author)
	}
	put("profile")
	if p := v.Profile; p != nil {
		hashCard(put, p.Card)
		put(p.Message, strconv.FormatBool(p.IsFollowing))
		num(p.PinCount)
		num(p.FollowerCount)
		num(p.FollowingCount)
	}
	return h.Sum64(), true
}

func hashPin(put func(...string), num func(int64), p *store.PinView) {
	put(p.ID.Hex(), p.GroupID.Hex(), p.Title, p.Content, p.Image.Key, p.Image.Ext,
		strconv.FormatBool(p.Image.Alpha), strconv.FormatBool(p.LikedByMe), strconv.FormatBool(p.BookmarkedByMe))
	for _, n := range []int64{int64(p.Image.Width), int64(p.Image.Height), p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(),
		p.Counts.Likes, p.Counts.Bookmarks, p.Counts.Comments} {
		num(n)
	}
	hashCard(put, p.Author)
}

func hashCard(put func(...string), c store.Card) {
	put(c.ID.Hex(), c.Nickname, c.Avatar.Key, c.Avatar.Ext, strconv.FormatBool(c.Avatar.Alpha))
}

func (pc *pageCache) get(k uint64) ([]byte, bool) { return pc.pages.Get(k) }

func (pc *pageCache) put(k uint64, page []byte) { pc.pages.Put(k, page) }
