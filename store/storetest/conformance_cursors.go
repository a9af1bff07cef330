package storetest

import (
	"encoding/base64"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// cursorTests: lists are cursor-paginated (default 24, max 100), with no
// gap or duplicate, and a cursor is accepted only by the list that issued
// it, untouched, on a store holding the same key (docs/API.md §Lists, store/cursor.go).
var cursorTests = []conformanceTest{
	{"all pages, no gap or duplicate", testPinPages},
	{"malformed cursors", testMalformedCursors},
	{"bound to their list", testCursorsListBound},
	{"bound to the key", testCursorsKeyBound},
}

// testPinPages walks the grid in pages of 7 for an anonymous viewer and a
// signed-in one, and checks the default and maximum page sizes. Past the
// first 20 pins it bulk-loads the rest through store.Transfer, as the
// seeder does: over a hundred pins one by one cost FerretDB half a minute.
func testPinPages(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	viewer := newUser(t, st, "view").ID
	var authors, groups []bson.ObjectID
	for range 5 {
		a := newUser(t, st, "auth").ID
		authors = append(authors, a)
		groups = append(groups, newGroup(t, st, a))
	}
	const n, created = store.MaxLimit + 1, 20
	var want []bson.ObjectID
	for i := range created {
		want = append([]bson.ObjectID{newPin(t, st, authors[i%5], groups[i%5], "pin", "").ID}, want...)
	}
	bulk := store.Batch{Kind: store.KindPins}
	for i := created; i < n; i++ {
		now := store.Now()
		p := store.Pin{ID: bson.NewObjectID(), AuthorID: authors[i%5], GroupID: groups[i%5], Title: "pin",
			Image: image, CreatedAt: now, UpdatedAt: now}
		bulk.Pins = append(bulk.Pins, p)
		want = append([]bson.ObjectID{p.ID}, want...)
	}
	if err := transfer(t, st).Import(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	for _, v := range []bson.ObjectID{bson.NilObjectID, viewer} {
		pins, sizes := allPages(t, 7, func(p store.Page) ([]store.PinView, *string, error) {
			return st.FindPins(ctx, store.PinQuery{}, v, p)
		})
		wantIDs(t, "grid", ids(pins, pinID), want)
		for i, size := range sizes[:len(sizes)-1] {
			if size != 7 {
				t.Fatalf("page %d has %d items with a next cursor, want 7", i+1, size)
			}
		}
	}
	// Every one of these pages is full, and the list goes on.
	for _, tc := range []struct{ limit, want int }{
		{0, store.DefaultLimit},
		{-3, store.DefaultLimit},
		{1, 1},
		{store.MaxLimit, store.MaxLimit},
		{store.MaxLimit + 1, store.MaxLimit},
		{1_000_000, store.MaxLimit},
	} {
		items, next, err := st.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{Limit: tc.limit})
		if err != nil || len(items) != tc.want || next == nil {
			t.Errorf("limit %d: %d items, next %v, %v; want %d and a next cursor", tc.limit, len(items), next, err, tc.want)
		}
	}
	// The last page of a list that fills it exactly has no next cursor.
	author := authors[0]
	mine := authorPinIDs(t, st, author)
	if len(mine) != (n+4)/5 {
		t.Fatalf("author has %d pins, want %d", len(mine), (n+4)/5)
	}
	items, next, err := st.FindPins(ctx, store.PinQuery{AuthorID: author}, bson.NilObjectID, store.Page{Limit: len(mine)})
	if err != nil || len(items) != len(mine) || next != nil {
		t.Errorf("a page holding the whole list: %d items, next %v, %v", len(items), next, err)
	}
}

func testMalformedCursors(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	pin := newPin(t, st, me, newGroup(t, st, me), "p", "")
	raw := make([]byte, 29)
	raw[0] = 1 // the right version and size, but no valid MAC
	for _, c := range []string{"garbage!", "YWJj", base64.RawURLEncoding.EncodeToString([]byte("c1.nothex")),
		base64.RawURLEncoding.EncodeToString(raw), bson.NewObjectID().Hex()} {
		_, _, err := st.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{Cursor: c})
		wantCode(t, err, store.EMalformed)
		_, _, err = st.FindComments(ctx, pin.ID, store.Page{Cursor: c})
		wantCode(t, err, store.EMalformed)
		_, err = st.FindNotifications(ctx, me, store.Page{Cursor: c})
		wantCode(t, err, store.EMalformed)
		_, _, err = st.FindBookmarkedPins(ctx, me, store.Page{Cursor: c})
		wantCode(t, err, store.EMalformed)
	}
}

// list is one list of a store: one page of it, and its next cursor.
type list func(st store.Store, p store.Page) (*string, error)

// pinList is the list FindPins serves for q.
func pinList(t *testing.T, q store.PinQuery) list {
	return func(st store.Store, p store.Page) (*string, error) {
		_, next, err := st.FindPins(t.Context(), q, bson.NilObjectID, p)
		return next, err
	}
}

// cursorWorld fills st so that every kind of list has at least two items
// (so a page of one has a next cursor), and returns those lists by name.
func cursorWorld(t *testing.T, st store.Store) map[string]list {
	ctx := t.Context()
	a, b := newUser(t, st, "a").ID, newUser(t, st, "b").ID
	ga, gb := newGroup(t, st, a), newGroup(t, st, b)
	var pinsA []bson.ObjectID
	for range 3 {
		pinsA = append(pinsA, newPin(t, st, a, ga, "needle", "").ID)
		newPin(t, st, b, gb, "hay", "")
	}
	pin := pinsA[0]
	for _, c := range []string{"one", "two", "three"} {
		if _, _, err := st.CreateComment(ctx, pin, b, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []bson.ObjectID{a, b, a, b} {
		mustFollow(t, st, u, newUser(t, st, "f").ID)
		mustFollow(t, st, newUser(t, st, "f").ID, u)
	}
	mustFollow(t, st, b, a)
	for _, p := range pinsA[:2] {
		if _, err := st.SetBookmark(ctx, p, b, true); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := st.Notify(ctx, store.NotifyComment, b, &pin, []bson.ObjectID{a}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Notify(ctx, store.NotifyComment, a, &pin, []bson.ObjectID{b}); err != nil {
			t.Fatal(err)
		}
	}
	notes := func(user bson.ObjectID) list {
		return func(st store.Store, p store.Page) (*string, error) {
			np, err := st.FindNotifications(ctx, user, p)
			return np.Next, err
		}
	}
	followers := func(user bson.ObjectID) list {
		return func(st store.Store, p store.Page) (*string, error) {
			_, next, err := st.FindFollowers(ctx, user, p)
			return next, err
		}
	}
	following := func(user bson.ObjectID) list {
		return func(st store.Store, p store.Page) (*string, error) {
			_, next, err := st.FindFollowing(ctx, user, p)
			return next, err
		}
	}
	return map[string]list{
		"grid":         pinList(t, store.PinQuery{}),
		"search":       pinList(t, store.PinQuery{Query: "needle"}),
		"other search": pinList(t, store.PinQuery{Query: "hay"}),
		"author a":     pinList(t, store.PinQuery{AuthorID: a}),
		"author b":     pinList(t, store.PinQuery{AuthorID: b}),
		"comments": func(st store.Store, p store.Page) (*string, error) {
			_, next, err := st.FindComments(ctx, pin, p)
			return next, err
		},
		"group a": func(st store.Store, p store.Page) (*string, error) {
			_, next, err := st.FindGroupPins(ctx, ga, a, p)
			return next, err
		},
		"feed b": func(st store.Store, p store.Page) (*string, error) {
			_, next, err := st.FindFeed(ctx, b, p)
			return next, err
		},
		"bookmarks b": func(st store.Store, p store.Page) (*string, error) {
			_, next, err := st.FindBookmarkedPins(ctx, b, p)
			return next, err
		},
		"followers a":     followers(a),
		"followers b":     followers(b),
		"following a":     following(a),
		"notifications a": notes(a),
		"notifications b": notes(b),
	}
}

// firstCursors returns the next cursor of a one-item first page of each
// list.
func firstCursors(t *testing.T, st store.Store, lists map[string]list) map[string]string {
	t.Helper()
	cursors := map[string]string{}
	for name, l := range lists {
		next, err := l(st, store.Page{Limit: 1})
		if err != nil || next == nil {
			t.Fatalf("%s: first page: next %v, %v", name, next, err)
		}
		cursors[name] = *next
	}
	return cursors
}

// testCursorsListBound sends every list's cursor to every list: only its
// own accepts it. Then it changes the grid's cursor every way it can.
func testCursorsListBound(t *testing.T, s *suite) {
	st := s.store(t)
	lists := cursorWorld(t, st)
	cursors := firstCursors(t, st, lists)
	for from, c := range cursors {
		for to, l := range lists {
			_, err := l(st, store.Page{Cursor: c, Limit: 1})
			if from == to {
				if err != nil {
					t.Errorf("%s refuses its own cursor: %v", from, err)
				}
			} else if store.ErrorCode(err) != store.EMalformed {
				t.Errorf("%s cursor sent to %s: %v, want %s", from, to, err, store.EMalformed)
			}
		}
	}

	grid := lists["grid"]
	c := cursors["grid"]
	refused := func(what, forged string) {
		t.Helper()
		if _, err := grid(st, store.Page{Cursor: forged}); store.ErrorCode(err) != store.EMalformed {
			t.Errorf("%s: %v, want %s", what, err, store.EMalformed)
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(c) {
		for _, r := range []byte{alphabet[0], alphabet[63]} {
			if c[i] != r {
				refused("character changed", c[:i]+string(r)+c[i+1:])
			}
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		t.Fatalf("a cursor is not unpadded base64url: %v", err)
	}
	for i := range raw {
		flipped := append([]byte(nil), raw...)
		flipped[i] ^= 0x01
		refused("byte flipped", base64.RawURLEncoding.EncodeToString(flipped))
	}
	refused("longer", c+"A")
	refused("shorter", c[:len(c)-1])
	refused("a byte short", base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]))
	refused("padded", base64.URLEncoding.EncodeToString(raw))
}

// testCursorsKeyBound: a cursor is accepted by another store holding the
// same key (instances behind one load balancer) and refused by one with
// another key or a random one.
func testCursorsKeyBound(t *testing.T, s *suite) {
	key := []byte("conformance cursor key, shared by two stores")
	st := s.storeWith(t, store.Options{CursorKey: key})
	a := newUser(t, st, "a").ID
	g := newGroup(t, st, a)
	for range 2 {
		newPin(t, st, a, g, "needle", "")
	}
	// Only lists that do not first check that their user, pin or group
	// exists: the other stores are empty.
	lists := map[string]list{
		"grid":     pinList(t, store.PinQuery{}),
		"search":   pinList(t, store.PinQuery{Query: "needle"}),
		"author a": pinList(t, store.PinQuery{AuthorID: a}),
	}
	cursors := firstCursors(t, st, lists)
	same := s.storeWith(t, store.Options{CursorKey: append([]byte(nil), key...)})
	for name, l := range lists {
		if _, err := l(same, store.Page{Cursor: cursors[name], Limit: 1}); err != nil {
			t.Errorf("%s cursor on a store with the same key: %v", name, err)
		}
	}
	for _, o := range []store.Options{{CursorKey: []byte("another key")}, {}} {
		other := s.storeWith(t, o)
		for name, l := range lists {
			if _, err := l(other, store.Page{Cursor: cursors[name], Limit: 1}); store.ErrorCode(err) != store.EMalformed {
				t.Errorf("%s cursor under key %q: %v, want %s", name, o.CursorKey, err, store.EMalformed)
			}
		}
	}
}
