package handlers

import (
	"encoding/binary"
	"hash/maphash"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Every key of the rendered-output caches (pages_cache.go, pinlist_json.go,
// pages_fragments.go) is built here. Nothing is ever invalidated in them:
// a key holds everything its entry shows, so a changed pin, count or
// author makes a new key and the old entry ages out. Adding a field to
// what a page, a pin's JSON or a fragment shows means adding it here.
//
// These keys never leave the process (the hashed ones use a seed of their
// own cache), unlike the store's (store/mongostore/cachekeys.go), so they
// may change from one version to the next.

// pageKey returns the hash of what page shows to v, and false when the
// page must not be shared: a signed-in viewer, a CSRF token, a flash
// message, a form being shown again, or parts that say whom they are for.
func pageKey(seed maphash.Seed, page string, v *view) (uint64, bool) {
	if v.Me != nil || v.CSRF != "" || v.Flash != "" || len(v.Form) > 0 || len(v.Errors) > 0 ||
		v.Group != nil || len(v.Groups) > 0 || len(v.Choices) > 0 || len(v.Notes) > 0 {
		return 0, false
	}
	h := newKeyHash(seed)
	h.str(page, v.Lang, v.Path, v.Static, v.Query, v.Next, v.Source, v.MoreURL, v.Heading, v.Intro, v.Message, v.CommentsNext)
	h.num(int64(v.Status))
	h.str(v.Topics...)
	for i := range v.Pins {
		h.pin(&v.Pins[i])
	}
	h.str("pin")
	if v.Pin != nil {
		h.pin(v.Pin)
	}
	h.str("comments")
	for _, c := range v.Comments {
		h.id(c.ID)
		h.str(c.Content)
		h.num(c.CreatedAt.UnixMilli())
		h.card(c.Author)
	}
	h.str("profile")
	if p := v.Profile; p != nil {
		h.card(p.Card)
		h.str(p.Message, strconv.FormatBool(p.IsFollowing))
		h.num(p.PinCount, p.FollowerCount, p.FollowingCount)
	}
	return h.Sum64(), true
}

// pinJSONKey returns the hash of everything pinView(*p) puts in the JSON.
func pinJSONKey(seed maphash.Seed, p *store.PinView) uint64 {
	h := newKeyHash(seed)
	h.pin(p)
	return h.Sum64()
}

// commentFragmentKey names the "comment" partial of c in lang as shown to
// a signed-in viewer or not, other than its author (whose copy carries a
// CSRF token and is not cached).
func commentFragmentKey(lang string, c store.CommentView, signedIn bool) string {
	return "comment|" + lang + "|" + c.ID.Hex() + "|" + c.Author.Nickname + "|" + c.Author.Avatar.Key + "|" +
		strconv.FormatBool(signedIn)
}

// cardFragmentKey names the "pincard" partial of p in lang.
func cardFragmentKey(lang string, p store.PinView) string {
	return "card|" + lang + "|" + p.ID.Hex() + "|" + strconv.FormatInt(p.UpdatedAt.UnixNano(), 10) + "|" +
		strconv.FormatInt(p.Counts.Likes, 10) + "|" + p.Author.ID.Hex() + "|" + p.Author.Nickname + "|" + p.Author.Avatar.Key
}

// keyHash hashes the parts of a key. Each string ends with a zero byte,
// each id is its 12 bytes, each number 8 and each flag 1, so ("ab", "c")
// and ("a", "bc") differ. A list hashes every pin it shows, so nothing
// here allocates.
type keyHash struct{ maphash.Hash }

func newKeyHash(seed maphash.Seed) *keyHash {
	h := &keyHash{}
	h.SetSeed(seed)
	return h
}

func (h *keyHash) str(parts ...string) {
	for _, s := range parts {
		h.WriteString(s)
		h.WriteByte(0)
	}
}

func (h *keyHash) num(ns ...int64) {
	var b [8]byte
	for _, n := range ns {
		h.Write(binary.LittleEndian.AppendUint64(b[:0], uint64(n)))
	}
}

func (h *keyHash) id(ids ...bson.ObjectID) {
	for _, id := range ids {
		h.Write(id[:])
	}
}

func (h *keyHash) flag(bs ...bool) {
	for _, b := range bs {
		v := byte(0)
		if b {
			v = 1
		}
		h.WriteByte(v)
	}
}

// pin hashes every field of p that a page or its JSON shows. The viewer's
// saves only show in the JSON; pages showing them are never shared.
func (h *keyHash) pin(p *store.PinView) {
	h.id(p.ID, p.GroupID)
	h.str(p.Title, p.Content, p.Image.Key, p.Image.Ext)
	h.flag(p.Image.Alpha, p.LikedByMe, p.BookmarkedByMe)
	h.num(int64(p.Image.Width), int64(p.Image.Height), p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(),
		p.Counts.Likes, p.Counts.Bookmarks, p.Counts.Comments, p.Counts.Saves, int64(len(p.SavedGroupIDs)))
	h.id(p.SavedGroupIDs...)
	h.card(p.Author)
}

func (h *keyHash) card(c store.Card) {
	h.id(c.ID)
	h.str(c.Nickname, c.Avatar.Key, c.Avatar.Ext)
	h.flag(c.Avatar.Alpha)
}
