package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// toggles lets one test cover likes and bookmarks alike.
var toggles = []struct {
	name string
	coll string
	set  func(s *mongostore.Store, pin, user bson.ObjectID, on bool) (int64, bool, error)
	seen func(v *store.PinView) (int64, bool)
}{
	{"like", "likes",
		func(s *mongostore.Store, pin, user bson.ObjectID, on bool) (int64, bool, error) {
			st, changed, p, err := s.SetLike(context.Background(), pin, user, on)
			if err == nil && (st.Liked != on || p.ID != pin) {
				return 0, false, errors.New("SetLike answered the wrong state")
			}
			return st.LikeCount, changed, err
		},
		func(v *store.PinView) (int64, bool) { return v.Counts.Likes, v.LikedByMe }},
	{"bookmark", "bookmarks",
		func(s *mongostore.Store, pin, user bson.ObjectID, on bool) (int64, bool, error) {
			st, changed, p, err := s.SetBookmark(context.Background(), pin, user, on)
			if err == nil && (st.Bookmarked != on || p.ID != pin) {
				return 0, false, errors.New("SetBookmark answered the wrong state")
			}
			return st.BookmarkCount, changed, err
		},
		func(v *store.PinView) (int64, bool) { return v.Counts.Bookmarks, v.BookmarkedByMe }},
}

func TestToggleRules(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "")
	for _, tg := range toggles {
		t.Run(tg.name, func(t *testing.T) {
			_, _, err := tg.set(s, pin.ID, me, true)
			wantCode(t, err, store.EInvalid)
			_, _, err = tg.set(s, bson.NewObjectID(), fan, true)
			wantCode(t, err, store.ENotFound)
			steps := []struct {
				on, changed bool
				count       int64
			}{{true, true, 1}, {true, false, 1}, {false, true, 0}, {false, false, 0}, {true, true, 1}}
			for i, st := range steps {
				n, changed, err := tg.set(s, pin.ID, fan, st.on)
				if err != nil || changed != st.changed || n != st.count {
					t.Fatalf("step %d: count %d changed %v err %v", i, n, changed, err)
				}
				v, err := s.FindPin(ctx, pin.ID, fan)
				if err != nil {
					t.Fatal(err)
				}
				if c, mine := tg.seen(v); c != st.count || mine != st.on {
					t.Fatalf("step %d: view count %d mine %v", i, c, mine)
				}
			}
			if n := recount(t, s, tg.coll, bson.D{{Key: "pin_id", Value: pin.ID}, {Key: "user_id", Value: me}}); n != 0 {
				t.Fatal("own-pin toggle was stored")
			}
		})
	}
}

// TestConcurrentToggles: 20 users act on one pin at once; the unique
// index and the versioned cache must keep the shown count equal to a
// recount.
func TestConcurrentToggles(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me := fixtureUser(t, s, "me")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "")
	users := make([]bson.ObjectID, 20)
	for i := range users {
		users[i] = fixtureUser(t, s, "fan")
	}
	run := func(t *testing.T, act func(i int, u bson.ObjectID) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, len(users))
		for i, u := range users {
			wg.Go(func() { errs <- act(i, u) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tg := range toggles {
		t.Run(tg.name+" all at once", func(t *testing.T) {
			run(t, func(_ int, u bson.ObjectID) error { _, _, err := tg.set(s, pin.ID, u, true); return err })
			v, err := s.FindPin(ctx, pin.ID, bson.NilObjectID)
			if err != nil {
				t.Fatal(err)
			}
			want := recount(t, s, tg.coll, bson.D{{Key: "pin_id", Value: pin.ID}})
			if c, _ := tg.seen(v); c != 20 || want != 20 {
				t.Fatalf("count %d, recount %d, want 20", c, want)
			}
		})
		t.Run(tg.name+" storm", func(t *testing.T) {
			// Each user flips 5 times, ending on for even users and off
			// for odd ones, while others read the pin.
			run(t, func(i int, u bson.ObjectID) error {
				for k := range 5 {
					on := (k%2 == 0) == (i%2 == 0)
					if _, _, err := tg.set(s, pin.ID, u, on); err != nil {
						return err
					}
					if _, err := s.FindPin(ctx, pin.ID, u); err != nil {
						return err
					}
				}
				return nil
			})
			v, err := s.FindPin(ctx, pin.ID, bson.NilObjectID)
			if err != nil {
				t.Fatal(err)
			}
			want := recount(t, s, tg.coll, bson.D{{Key: "pin_id", Value: pin.ID}})
			if c, _ := tg.seen(v); c != 10 || want != 10 {
				t.Fatalf("count %d, recount %d, want 10", c, want)
			}
		})
	}
}

func TestFindBookmarkedPinsOrder(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	g := fixtureGroup(t, s, me)
	var pins []bson.ObjectID
	for range 5 {
		pins = append(pins, fixturePin(t, s, me, g, "p", "").ID)
	}
	// Bookmark in an order unrelated to pin age: 2, 0, 4, 1, 3.
	order := []int{2, 0, 4, 1, 3}
	for _, i := range order {
		if _, _, _, err := s.SetBookmark(ctx, pins[i], fan, true); err != nil {
			t.Fatal(err)
		}
	}
	var got []store.PinView
	page := store.Page{Limit: 2}
	for {
		items, next, err := s.FindBookmarkedPins(ctx, fan, page)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, items...)
		if next == nil {
			break
		}
		page.Cursor = *next
	}
	if len(got) != len(order) {
		t.Fatalf("got %d bookmarks, want %d", len(got), len(order))
	}
	for k, v := range got {
		if want := pins[order[len(order)-1-k]]; v.ID != want || !v.BookmarkedByMe || v.Counts.Bookmarks != 1 {
			t.Fatalf("bookmark %d = %s, want %s (%+v)", k, v.ID.Hex(), want.Hex(), v)
		}
	}
	// Deleting a bookmarked pin takes it out of the list.
	if err := s.DeletePin(ctx, pins[3], me); err != nil {
		t.Fatal(err)
	}
	items, _, err := s.FindBookmarkedPins(ctx, fan, store.Page{})
	if err != nil || len(items) != 4 || items[0].ID != pins[1] {
		t.Fatalf("after delete: %d items, %v", len(items), err)
	}
}

// TestLikeRevisions: 20 concurrent likes on one pin each get a distinct
// revision (gaps allowed), and the answer with the highest one carries the
// final count, so a subscriber keeping the highest revision ends on it.
func TestLikeRevisions(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me := fixtureUser(t, s, "me")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "")
	users := make([]bson.ObjectID, 20)
	for i := range users {
		users[i] = fixtureUser(t, s, "fan")
	}
	states := make([]store.LikeState, len(users))
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() { states[i], _, _, errs[i] = s.SetLike(ctx, pin.ID, u, true) })
	}
	wg.Wait()
	seen := map[int64]bool{}
	var top store.LikeState
	for i, st := range states {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if st.Revision < 1 || seen[st.Revision] {
			t.Fatalf("revision %d repeated or not positive: %+v", st.Revision, states)
		}
		seen[st.Revision] = true
		if st.Revision > top.Revision {
			top = st
		}
	}
	if top.LikeCount != 20 {
		t.Fatalf("highest revision answer = %+v, want like_count 20", top)
	}
	// A repeat changes nothing and bumps nothing; the next change, alone,
	// takes the next revision.
	if st, changed, _, err := s.SetLike(ctx, pin.ID, users[0], true); err != nil || changed || st.Revision != 0 {
		t.Fatalf("repeated like = %+v changed %v err %v", st, changed, err)
	}
	if st, _, _, err := s.SetLike(ctx, pin.ID, users[0], false); err != nil || st.Revision != top.Revision+1 || st.LikeCount != 19 {
		t.Fatalf("unlike = %+v err %v, want revision %d with like_count 19", st, err, top.Revision+1)
	}
}
