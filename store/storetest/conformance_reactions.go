package storetest

import (
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// reactionTests: likes and bookmarks are toggles on someone else's pin, at
// most one each per user and pin, counted exactly under concurrency (docs/API.md
// §Likes and bookmarks, §Counts).
var reactionTests = []conformanceTest{
	{"toggle rules", testToggleRules},
	{"concurrent toggles count exactly", testConcurrentToggles},
	{"bookmarks list order", testBookmarksOrder},
	{"like revisions", testLikeRevisions},
}

// toggle is a like or a bookmark, seen through one interface.
type toggle struct {
	name string
	set  func(ctx context.Context, st store.Store, pin, user bson.ObjectID, on bool) (count int64, changed bool, err error)
	seen func(v *store.PinView) (count int64, mine bool)
}

var toggles = []toggle{
	{"like",
		func(ctx context.Context, st store.Store, pin, user bson.ObjectID, on bool) (int64, bool, error) {
			r, err := st.SetLike(ctx, pin, user, on)
			if err == nil && (r.State.Liked != on || r.Pin == nil || r.Pin.ID != pin) {
				return 0, false, fmt.Errorf("SetLike(%v) answered %+v", on, r)
			}
			return r.State.LikeCount, r.Changed, err
		},
		func(v *store.PinView) (int64, bool) { return v.Counts.Likes, v.LikedByMe }},
	{"bookmark",
		func(ctx context.Context, st store.Store, pin, user bson.ObjectID, on bool) (int64, bool, error) {
			r, err := st.SetBookmark(ctx, pin, user, on)
			if err == nil && (r.State.Bookmarked != on || r.Pin == nil || r.Pin.ID != pin) {
				return 0, false, fmt.Errorf("SetBookmark(%v) answered %+v", on, r)
			}
			return r.State.BookmarkCount, r.Changed, err
		},
		func(v *store.PinView) (int64, bool) { return v.Counts.Bookmarks, v.BookmarkedByMe }},
}

func testToggleRules(t *testing.T, s *suite) {
	st := s.store(t)
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan").ID
	g := newGroup(t, st, me)
	for _, tg := range toggles {
		t.Run(tg.name, func(t *testing.T) {
			ctx := t.Context()
			pin := newPin(t, st, me, g, tg.name, "")
			for _, on := range []bool{true, false} {
				_, _, err := tg.set(ctx, st, pin.ID, me, on)
				wantCode(t, err, store.EInvalid)
			}
			_, _, err := tg.set(ctx, st, bson.NewObjectID(), fan, true)
			wantCode(t, err, store.ENotFound)
			steps := []struct {
				on, changed bool
				count       int64
			}{{true, true, 1}, {true, false, 1}, {false, true, 0}, {false, false, 0}, {true, true, 1}}
			for i, step := range steps {
				n, changed, err := tg.set(ctx, st, pin.ID, fan, step.on)
				if err != nil || changed != step.changed || n != step.count {
					t.Fatalf("step %d (%v): count %d changed %v, %v; want %d, %v", i, step.on, n, changed, err, step.count, step.changed)
				}
				v, err := st.FindPin(ctx, pin.ID, fan)
				if err != nil {
					t.Fatal(err)
				}
				if c, mine := tg.seen(v); c != step.count || mine != step.on {
					t.Fatalf("step %d: pin shows count %d, mine %v", i, c, mine)
				}
			}
			// The refused toggles on my own pin left nothing behind.
			v, err := st.FindPin(ctx, pin.ID, me)
			if err != nil {
				t.Fatal(err)
			}
			if c, mine := tg.seen(v); mine || c != 1 {
				t.Fatalf("own pin: count %d, mine %v", c, mine)
			}
			wantPinRecount(t, st, pin.ID, []bson.ObjectID{me, fan})
		})
	}
}

// testConcurrentToggles: 12 users act on one pin at once, then each flips
// 3 times while reading it; the count shown is exact each time.
func testConcurrentToggles(t *testing.T, s *suite) {
	st := s.store(t)
	me := newUser(t, st, "me").ID
	pin := newPin(t, st, me, newGroup(t, st, me), "p", "")
	users := newUsers(t, st, "fan", 12)
	everyone := append([]bson.ObjectID{me}, users...)
	for _, tg := range toggles {
		t.Run(tg.name, func(t *testing.T) {
			ctx := t.Context()
			if _, err := st.FindPin(ctx, pin.ID, bson.NilObjectID); err != nil { // read first: no stale count may stay
				t.Fatal(err)
			}
			parallel(t, len(users), func(i int) error { _, _, err := tg.set(ctx, st, pin.ID, users[i], true); return err })
			if c, _ := tg.seen(&store.PinView{Counts: wantPinRecount(t, st, pin.ID, everyone)}); c != 12 {
				t.Fatalf("after 12 at once: %d", c)
			}

			// Each user flips 3 times, ending on for even users and off
			// for odd ones.
			parallel(t, len(users), func(i int) error {
				for k := range 3 {
					on := (k%2 == 0) == (i%2 == 0)
					if _, _, err := tg.set(ctx, st, pin.ID, users[i], on); err != nil {
						return err
					}
					if _, err := st.FindPin(ctx, pin.ID, users[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if c, _ := tg.seen(&store.PinView{Counts: wantPinRecount(t, st, pin.ID, everyone)}); c != 6 {
				t.Fatalf("after the storm: %d", c)
			}
		})
	}
}

// testBookmarksOrder: bookmarks list most recently bookmarked first,
// whatever the pins' age, and lose a pin deleted or unbookmarked.
func testBookmarksOrder(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan").ID
	g := newGroup(t, st, me)
	var pins []bson.ObjectID
	for range 5 {
		pins = append(pins, newPin(t, st, me, g, "p", "").ID)
	}
	// Bookmark in an order unrelated to pin age: 2, 0, 4, 1, 3.
	order := []int{2, 0, 4, 1, 3}
	var want []bson.ObjectID
	for _, i := range order {
		if _, err := st.SetBookmark(ctx, pins[i], fan, true); err != nil {
			t.Fatal(err)
		}
		want = append([]bson.ObjectID{pins[i]}, want...)
	}
	got, sizes := allPages(t, 2, func(p store.Page) ([]store.PinView, *string, error) {
		return st.FindBookmarkedPins(ctx, fan, p)
	})
	wantIDs(t, "bookmarks", ids(got, pinID), want)
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("page sizes = %v, want [2 2 1]", sizes)
	}
	for _, v := range got {
		if !v.BookmarkedByMe || v.Counts.Bookmarks != 1 {
			t.Fatalf("bookmarked pin = %+v", v)
		}
	}
	// Bookmarking again changes nothing; unbookmarking and bookmarking
	// again moves the pin to the top.
	if r, err := st.SetBookmark(ctx, pins[2], fan, true); err != nil || r.Changed {
		t.Fatalf("bookmark again: changed %v, %v", r.Changed, err)
	}
	wantIDs(t, "after a repeat", bookmarkedIDs(t, st, fan), want)
	for _, on := range []bool{false, true} {
		if _, err := st.SetBookmark(ctx, pins[2], fan, on); err != nil {
			t.Fatal(err)
		}
	}
	want = []bson.ObjectID{pins[2], pins[3], pins[1], pins[4], pins[0]}
	wantIDs(t, "after re-bookmarking", bookmarkedIDs(t, st, fan), want)
	if err := st.DeletePin(ctx, pins[4], me); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetBookmark(ctx, pins[1], fan, false); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "after delete and unbookmark", bookmarkedIDs(t, st, fan), []bson.ObjectID{pins[2], pins[3], pins[0]})
	wantIDs(t, "someone else's bookmarks", bookmarkedIDs(t, st, me), nil)
}

// testLikeRevisions: concurrent likes of one pin get distinct revisions,
// and the answer with the highest carries the final count, so a client
// keeping the highest revision ends on it; a repeat bumps nothing.
func testLikeRevisions(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	pin := newPin(t, st, me, newGroup(t, st, me), "p", "")
	users := newUsers(t, st, "fan", 12)
	states := make([]store.LikeState, len(users))
	parallel(t, len(users), func(i int) error {
		r, err := st.SetLike(ctx, pin.ID, users[i], true)
		states[i] = r.State
		return err
	})
	seen := map[int64]bool{}
	var top store.LikeState
	for _, ls := range states {
		if ls.Revision < 1 || seen[ls.Revision] {
			t.Fatalf("revision %d repeated or not positive: %+v", ls.Revision, states)
		}
		seen[ls.Revision] = true
		if ls.Revision > top.Revision {
			top = ls
		}
	}
	if top.LikeCount != 12 {
		t.Fatalf("highest revision answer = %+v, want like_count 12", top)
	}
	if r, err := st.SetLike(ctx, pin.ID, users[0], true); err != nil || r.Changed || r.State.Revision != 0 || r.State.LikeCount != 12 {
		t.Fatalf("repeated like = %+v, %v", r, err)
	}
	r, err := st.SetLike(ctx, pin.ID, users[0], false)
	ls := r.State
	if err != nil || ls.Revision <= top.Revision || ls.LikeCount != 11 {
		t.Fatalf("unlike = %+v, %v; want a revision above %d and like_count 11", ls, err, top.Revision)
	}
	if again, err := st.SetLike(ctx, pin.ID, users[0], false); err != nil || again.Changed || again.State.Revision != 0 {
		t.Fatalf("repeated unlike = %+v, %v", again, err)
	}
}
