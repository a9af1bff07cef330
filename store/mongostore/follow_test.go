package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// socRecount counts follows straight from the collection, bypassing every
// cache, to check what the store shows.
func socRecount(t *testing.T, s *mongostore.Store, field string, id bson.ObjectID) int64 {
	t.Helper()
	n, err := s.Database().Collection("follows").CountDocuments(context.Background(), bson.D{{Key: field, Value: id}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// socProfile returns FindProfile for an anonymous viewer.
func socProfile(t *testing.T, s *mongostore.Store, id bson.ObjectID) *store.Profile {
	t.Helper()
	p, err := s.FindProfile(context.Background(), id, bson.NilObjectID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFollowIdempotentAndNeverSelf(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	a, b := socUser(t, s, "fa"), socUser(t, s, "fb")
	socProfile(t, s, b.ID) // warm uc:<b>
	for i, wantCreated := range []bool{true, false} {
		// Only the follow that was created bumps the revision.
		wantRev := map[bool]int64{true: 1}[wantCreated]
		st, created, err := s.Follow(ctx, a.ID, b.ID)
		if err != nil || created != wantCreated || st != (store.FollowState{Following: true, FollowerCount: 1, Revision: wantRev}) {
			t.Fatalf("follow #%d = %+v, %v, %v", i+1, st, created, err)
		}
	}
	if p := socProfile(t, s, b.ID); p.FollowerCount != 1 || p.FollowingCount != 0 {
		t.Errorf("profile of b = %+v, want 1 follower", p)
	}
	if p := socProfile(t, s, a.ID); p.FollowingCount != 1 {
		t.Errorf("profile of a = %+v, want following 1", p)
	}
	p, err := s.FindProfile(ctx, b.ID, a.ID)
	if err != nil || !p.IsFollowing {
		t.Errorf("a sees b: %+v, %v; want is_following", p, err)
	}
	if _, _, err := s.Follow(ctx, a.ID, a.ID); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("self follow: %v, want invalid", err)
	}
	if _, err := s.Unfollow(ctx, a.ID, a.ID); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("self unfollow: %v, want invalid", err)
	}
	if _, _, err := s.Follow(ctx, a.ID, bson.NewObjectID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("follow unknown: %v, want not found", err)
	}
}

func TestUnfollowIdempotent(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	a, b := socUser(t, s, "ua"), socUser(t, s, "ub")
	if _, _, err := s.Follow(ctx, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	socProfile(t, s, b.ID)
	for i := range 2 {
		st, err := s.Unfollow(ctx, a.ID, b.ID)
		if err != nil || st != (store.FollowState{Revision: int64(i + 2)}) {
			t.Fatalf("unfollow #%d = %+v, %v", i+1, st, err)
		}
	}
	if p := socProfile(t, s, b.ID); p.FollowerCount != 0 {
		t.Errorf("followers after unfollow = %d", p.FollowerCount)
	}
	if p, _ := s.FindProfile(ctx, b.ID, a.ID); p.IsFollowing {
		t.Errorf("still following after unfollow")
	}
}

func TestFollowConcurrent(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	target := socUser(t, s, "tgt")
	fans := make([]*store.User, 20)
	for i := range fans {
		fans[i] = socUser(t, s, "fan")
	}
	socProfile(t, s, target.ID)
	var wg sync.WaitGroup
	var created atomic.Int64
	errs := make(chan error, 2*len(fans))
	for _, f := range fans {
		// Each fan follows twice at once: 20 follows must be counted
		// once each, and only one call per fan says it created it.
		for range 2 {
			wg.Go(func() {
				_, c, err := s.Follow(ctx, f.ID, target.ID)
				if c {
					created.Add(1)
				}
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if created.Load() != 20 {
		t.Errorf("created reported %d times, want 20", created.Load())
	}
	p := socProfile(t, s, target.ID)
	if recount := socRecount(t, s, "followee_id", target.ID); p.FollowerCount != 20 || recount != 20 {
		t.Errorf("follower_count = %d, recount = %d, want 20", p.FollowerCount, recount)
	}
}

func TestFindFollowersPages(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	star := socUser(t, s, "star")
	var order []bson.ObjectID // follow order; the list is newest first
	for range 7 {
		f := socUser(t, s, "fol")
		if _, _, err := s.Follow(ctx, f.ID, star.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Follow(ctx, star.ID, f.ID); err != nil {
			t.Fatal(err)
		}
		order = append([]bson.ObjectID{f.ID}, order...)
	}
	for name, list := range map[string]func(context.Context, bson.ObjectID, store.Page) ([]store.Card, *string, error){
		"followers": s.FindFollowers, "following": s.FindFollowing,
	} {
		t.Run(name, func(t *testing.T) {
			var got []bson.ObjectID
			var sizes []int
			cursor := ""
			for {
				cards, next, err := list(ctx, star.ID, store.Page{Cursor: cursor, Limit: 3})
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(cards))
				for _, c := range cards {
					got = append(got, c.ID)
				}
				if next == nil {
					break
				}
				cursor = *next
			}
			if len(sizes) != 3 || sizes[0] != 3 || sizes[1] != 3 || sizes[2] != 1 {
				t.Errorf("page sizes = %v, want [3 3 1]", sizes)
			}
			if len(got) != len(order) {
				t.Fatalf("got %d cards, want %d", len(got), len(order))
			}
			for i := range order {
				if got[i] != order[i] {
					t.Fatalf("card %d = %s, want %s (newest first, no gaps or duplicates)", i, got[i].Hex(), order[i].Hex())
				}
			}
		})
	}
	if _, _, err := s.FindFollowers(ctx, star.ID, store.Page{Cursor: "bogus"}); store.ErrorCode(err) != store.EMalformed {
		t.Errorf("bad cursor: %v, want malformed", err)
	}
	if _, _, err := s.FindFollowers(ctx, bson.NewObjectID(), store.Page{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v, want not found", err)
	}
}

// TestFindProfileRoundTrips proves the profile is not N+1: a user with 50
// followers costs as many commands as one with 5, and a warm profile costs
// one command (is_following) for a signed-in viewer, none anonymously.
func TestFindProfileRoundTrips(t *testing.T) {
	var commands atomic.Int64
	s := storetest.Mongo(t, mongostore.Options{
		Options: store.Options{PasswordCost: bcrypt.MinCost},
		Monitor: &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
			commands.Add(1)
		}},
	})
	ctx := context.Background()
	viewer := socUser(t, s, "view")
	count := func(id, viewerID bson.ObjectID) int64 {
		t.Helper()
		before := commands.Load()
		if _, err := s.FindProfile(ctx, id, viewerID); err != nil {
			t.Fatal(err)
		}
		return commands.Load() - before
	}
	var cold [2]int64
	for i, n := range []int{5, 50} {
		u := socUser(t, s, "pop")
		// Follows are inserted directly: only their number matters here.
		docs := make([]any, n)
		for j := range docs {
			docs[j] = bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "follower_id", Value: bson.NewObjectID()}, {Key: "followee_id", Value: u.ID}}
		}
		if _, err := s.Database().Collection("follows").InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		s.ApplyInvalidation([]string{"user:" + u.ID.Hex(), "card:" + u.ID.Hex(), "uc:" + u.ID.Hex()})
		cold[i] = count(u.ID, viewer.ID)
		if warm := count(u.ID, viewer.ID); warm != 1 {
			t.Errorf("%d followers: warm profile for a viewer took %d commands, want 1", n, warm)
		}
		if anon := count(u.ID, bson.NilObjectID); anon != 0 {
			t.Errorf("%d followers: warm anonymous profile took %d commands, want 0", n, anon)
		}
		if p := socProfile(t, s, u.ID); p.FollowerCount != int64(n) {
			t.Errorf("follower_count = %d, want %d", p.FollowerCount, n)
		}
	}
	t.Logf("cold profile: %d commands with 5 followers, %d with 50", cold[0], cold[1])
	if cold[0] != cold[1] || cold[0] > 5 {
		t.Errorf("cold profile commands: %d with 5 followers, %d with 50; want equal and at most 5", cold[0], cold[1])
	}
}

// TestFollowRevisions: follows and unfollows of one user bump one revision,
// concurrent follows get distinct ones, and the highest carries the final
// count.
func TestFollowRevisions(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	target := socUser(t, s, "tgt")
	fans := make([]*store.User, 10)
	for i := range fans {
		fans[i] = socUser(t, s, "fan")
	}
	states := make([]store.FollowState, len(fans))
	errs := make([]error, len(fans))
	var wg sync.WaitGroup
	for i, f := range fans {
		wg.Go(func() { states[i], _, errs[i] = s.Follow(ctx, f.ID, target.ID) })
	}
	wg.Wait()
	var top store.FollowState
	seen := map[int64]bool{}
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
	if top.FollowerCount != 10 {
		t.Fatalf("highest revision answer = %+v, want follower_count 10", top)
	}
	if st, created, err := s.Follow(ctx, fans[0].ID, target.ID); err != nil || created || st.Revision != 0 {
		t.Fatalf("repeated follow = %+v created %v err %v", st, created, err)
	}
	// Unfollow always bumps, a repeat too: the caller always publishes.
	for i, want := range []int64{top.Revision + 1, top.Revision + 2} {
		if st, err := s.Unfollow(ctx, fans[0].ID, target.ID); err != nil || st.Revision != want || st.FollowerCount != 9 {
			t.Fatalf("unfollow %d = %+v err %v, want revision %d with follower_count 9", i, st, err, want)
		}
	}
}
