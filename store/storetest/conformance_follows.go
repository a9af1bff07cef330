package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// followTests: a user follows another, never oneself, never twice; the
// counts and lists agree (docs/API.md §Follows).
var followTests = []conformanceTest{
	{"follow is idempotent and never self", testFollowIdempotent},
	{"unfollow is idempotent", testUnfollowIdempotent},
	{"concurrent follows count exactly", testFollowConcurrent},
	{"revisions", testFollowRevisions},
	{"followers and following pages", testFollowPages},
	{"follower counts", testFollowerCounts},
}

func testFollowIdempotent(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	a, b := newUser(t, st, "fa"), newUser(t, st, "fb")
	wantProfileRecount(t, st, b.ID) // read first: no stale count may stay
	for i, wantCreated := range []bool{true, false} {
		fs, created, err := st.Follow(ctx, a.ID, b.ID)
		if err != nil || created != wantCreated || !fs.Following || fs.FollowerCount != 1 {
			t.Fatalf("follow #%d = %+v, created %v, %v", i+1, fs, created, err)
		}
		// Only the follow that was created bumps the revision.
		if (fs.Revision > 0) != wantCreated {
			t.Fatalf("follow #%d: revision %d", i+1, fs.Revision)
		}
	}
	if p := wantProfileRecount(t, st, b.ID); p.FollowerCount != 1 || p.FollowingCount != 0 {
		t.Errorf("profile of b = %+v, want 1 follower", p)
	}
	if p := wantProfileRecount(t, st, a.ID); p.FollowingCount != 1 || p.FollowerCount != 0 {
		t.Errorf("profile of a = %+v, want following 1", p)
	}
	if p, err := st.FindProfile(ctx, b.ID, a.ID); err != nil || !p.IsFollowing {
		t.Errorf("a sees b: %+v, %v; want is_following", p, err)
	}
	if p, err := st.FindProfile(ctx, a.ID, b.ID); err != nil || p.IsFollowing {
		t.Errorf("b sees a: %+v, %v; want not is_following", p, err)
	}
	_, _, err := st.Follow(ctx, a.ID, a.ID)
	wantCode(t, err, store.EInvalid)
	_, err = st.Unfollow(ctx, a.ID, a.ID)
	wantCode(t, err, store.EInvalid)
	_, _, err = st.Follow(ctx, a.ID, bson.NewObjectID())
	wantCode(t, err, store.ENotFound)
	if p := wantProfileRecount(t, st, a.ID); p.FollowerCount != 0 || p.FollowingCount != 1 {
		t.Errorf("refused follows counted: %+v", p)
	}
}

func testUnfollowIdempotent(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	a, b := newUser(t, st, "ua"), newUser(t, st, "ub")
	mustFollow(t, st, a.ID, b.ID)
	wantProfileRecount(t, st, b.ID)
	var last int64
	for i := range 2 {
		fs, err := st.Unfollow(ctx, a.ID, b.ID)
		if err != nil || fs.Following || fs.FollowerCount != 0 {
			t.Fatalf("unfollow #%d = %+v, %v", i+1, fs, err)
		}
		// An unfollow always bumps the revision, a repeat too: its
		// caller always publishes the count.
		if fs.Revision <= last {
			t.Fatalf("unfollow #%d: revision %d after %d", i+1, fs.Revision, last)
		}
		last = fs.Revision
	}
	if p := wantProfileRecount(t, st, b.ID); p.FollowerCount != 0 {
		t.Errorf("followers after unfollow = %d", p.FollowerCount)
	}
	if p, err := st.FindProfile(ctx, b.ID, a.ID); err != nil || p.IsFollowing {
		t.Errorf("still following after unfollow: %+v, %v", p, err)
	}
	// Following again after an unfollow counts again.
	if fs, created, err := st.Follow(ctx, a.ID, b.ID); err != nil || !created || fs.FollowerCount != 1 {
		t.Fatalf("follow again = %+v, %v, %v", fs, created, err)
	}
}

// testFollowConcurrent: 12 fans each follow twice at once; every follow
// counts once and only one call per fan says it created it.
func testFollowConcurrent(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	target := newUser(t, st, "tgt")
	fans := newUsers(t, st, "fan", 12)
	wantProfileRecount(t, st, target.ID)
	var created atomic.Int64
	parallel(t, 2*len(fans), func(i int) error {
		_, c, err := st.Follow(ctx, fans[i/2], target.ID)
		if c {
			created.Add(1)
		}
		return err
	})
	if created.Load() != 12 {
		t.Errorf("created reported %d times, want 12", created.Load())
	}
	if p := wantProfileRecount(t, st, target.ID); p.FollowerCount != 12 {
		t.Errorf("follower_count = %d, want 12", p.FollowerCount)
	}
	if !sameSet(followerIDs(t, st, target.ID), fans) {
		t.Error("followers are not the fans")
	}
	// Half of them unfollow at once while the others follow again.
	parallel(t, len(fans), func(i int) error {
		if i%2 == 0 {
			_, err := st.Unfollow(ctx, fans[i], target.ID)
			return err
		}
		_, _, err := st.Follow(ctx, fans[i], target.ID)
		return err
	})
	if p := wantProfileRecount(t, st, target.ID); p.FollowerCount != 6 {
		t.Errorf("follower_count = %d, want 6", p.FollowerCount)
	}
}

// testFollowRevisions: concurrent follows of one user get distinct
// revisions, and the answer with the highest carries the final count.
func testFollowRevisions(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	target := newUser(t, st, "tgt")
	fans := newUsers(t, st, "fan", 10)
	states := make([]store.FollowState, len(fans))
	parallel(t, len(fans), func(i int) error {
		var err error
		states[i], _, err = st.Follow(ctx, fans[i], target.ID)
		return err
	})
	var top store.FollowState
	seen := map[int64]bool{}
	for _, fs := range states {
		if fs.Revision < 1 || seen[fs.Revision] {
			t.Fatalf("revision %d repeated or not positive: %+v", fs.Revision, states)
		}
		seen[fs.Revision] = true
		if fs.Revision > top.Revision {
			top = fs
		}
	}
	if top.FollowerCount != 10 {
		t.Fatalf("highest revision answer = %+v, want follower_count 10", top)
	}
	if fs, created, err := st.Follow(ctx, fans[0], target.ID); err != nil || created || fs.Revision != 0 || fs.FollowerCount != 10 {
		t.Fatalf("repeated follow = %+v, created %v, %v", fs, created, err)
	}
	last := top.Revision
	for i := range 2 {
		fs, err := st.Unfollow(ctx, fans[0], target.ID)
		if err != nil || fs.Revision <= last || fs.FollowerCount != 9 {
			t.Fatalf("unfollow %d = %+v, %v; want a revision above %d and follower_count 9", i, fs, err, last)
		}
		last = fs.Revision
	}
}

// testFollowPages: both lists page newest follow first, with no gap or
// duplicate; a bad cursor is malformed and an unknown user not found.
func testFollowPages(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	star := newUser(t, st, "star")
	var newestFirst []bson.ObjectID
	for range 7 {
		f := newUser(t, st, "fol")
		mustFollow(t, st, f.ID, star.ID)
		mustFollow(t, st, star.ID, f.ID)
		newestFirst = append([]bson.ObjectID{f.ID}, newestFirst...)
	}
	lists := map[string]func(bson.ObjectID, store.Page) ([]store.Card, *string, error){
		"followers": func(id bson.ObjectID, p store.Page) ([]store.Card, *string, error) {
			return st.FindFollowers(ctx, id, p)
		},
		"following": func(id bson.ObjectID, p store.Page) ([]store.Card, *string, error) {
			return st.FindFollowing(ctx, id, p)
		},
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			cards, sizes := allPages(t, 3, func(p store.Page) ([]store.Card, *string, error) { return list(star.ID, p) })
			if fmt.Sprint(sizes) != "[3 3 1]" {
				t.Errorf("page sizes = %v, want [3 3 1]", sizes)
			}
			wantIDs(t, name, ids(cards, cardID), newestFirst)
			for _, c := range cards {
				if c.Nickname == "" {
					t.Fatalf("card without a nickname: %+v", c)
				}
			}
			_, _, err := list(star.ID, store.Page{Cursor: "bogus"})
			wantCode(t, err, store.EMalformed)
			_, _, err = list(bson.NewObjectID(), store.Page{})
			wantCode(t, err, store.ENotFound)
			if cards, next, err := list(newUser(t, st, "lone").ID, store.Page{}); err != nil || len(cards) != 0 || next != nil {
				t.Fatalf("nobody: %v, %v, %v", cards, next, err)
			}
		})
	}
}

func testFollowerCounts(t *testing.T, s *suite) {
	st := s.store(t)
	a, b, c := newUser(t, st, "a"), newUser(t, st, "b"), newUser(t, st, "c")
	mustFollow(t, st, a.ID, b.ID)
	mustFollow(t, st, c.ID, b.ID)
	mustFollow(t, st, b.ID, a.ID)
	unknown := bson.NewObjectID()
	n, err := st.FollowerCounts(t.Context(), []bson.ObjectID{a.ID, b.ID, c.ID, unknown})
	if err != nil {
		t.Fatal(err)
	}
	want := map[bson.ObjectID]int64{a.ID: 1, b.ID: 2, c.ID: 0, unknown: 0}
	for id, w := range want {
		if got, ok := n[id]; !ok || got != w {
			t.Errorf("FollowerCounts[%s] = %d (present %v), want %d", id.Hex(), got, ok, w)
		}
	}
	if n, err := st.FollowerCounts(t.Context(), nil); err != nil || len(n) != 0 {
		t.Errorf("no ids: %v, %v", n, err)
	}
}
