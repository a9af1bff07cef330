package mongostore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// counted is a Store on an already seeded database, opened fresh (cold
// cache) with a monitor that records every command sent.
type counted struct {
	*mongostore.Store
	mu    sync.Mutex
	names []string
}

// openCounted opens a second, counting store on the database of base
// (already seeded), so that nothing the seeding cached helps.
func openCounted(t *testing.T, base *mongostore.Store) *counted {
	t.Helper()
	c := &counted{}
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		c.mu.Lock()
		c.names = append(c.names, e.CommandName)
		c.mu.Unlock()
	}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := mongostore.Open(ctx, storetest.URI(t), base.Database().Name(), mongostore.Options{Monitor: mon})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	c.Store = s
	return c
}

// commands runs fn and returns the names of the commands it sent.
func (c *counted) commands(t *testing.T, fn func() error) []string {
	t.Helper()
	c.mu.Lock()
	c.names = nil
	c.mu.Unlock()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.names)
}

// sameCommands fails unless every size issued the same commands.
func sameCommands(t *testing.T, bySize map[int][]string) {
	t.Helper()
	var first []string
	for size, names := range bySize {
		if first == nil {
			first = names
		}
		t.Logf("%d items: %d commands %v", size, len(names), names)
		if !slices.Equal(names, first) {
			t.Fatalf("commands depend on the number of items: %v", bySize)
		}
		if len(names) == 0 {
			t.Fatalf("size %d sent no command on a cold cache", size)
		}
	}
}

// insertAll bulk-inserts docs into coll: seeding through the API would
// cost a dozen commands per pin, and the seed is not what is measured.
func insertAll(t *testing.T, s *mongostore.Store, coll string, docs []any) {
	t.Helper()
	if len(docs) == 0 {
		return
	}
	if _, err := s.Database().Collection(coll).InsertMany(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
}

// fixtureUsers bulk-inserts n users and returns their ids.
func fixtureUsers(t *testing.T, s *mongostore.Store, n int) []bson.ObjectID {
	t.Helper()
	ids := make([]bson.ObjectID, n)
	docs := make([]any, n)
	for i := range ids {
		ids[i] = bson.NewObjectID()
		docs[i] = bson.D{
			{Key: "_id", Value: ids[i]}, {Key: "email", Value: ids[i].Hex() + "@example.com"},
			{Key: "nickname", Value: fmt.Sprintf("u%d", i)}, {Key: "nickname_key", Value: ids[i].Hex()},
			{Key: "message", Value: ""}, {Key: "created_at", Value: time.Now()},
		}
	}
	insertAll(t, s, "users", docs)
	return ids
}

// reactionDocs are likes or bookmarks of users on pin.
func reactionDocs(pin bson.ObjectID, users []bson.ObjectID) []any {
	docs := make([]any, len(users))
	for i, u := range users {
		docs[i] = bson.D{{Key: "pin_id", Value: pin}, {Key: "user_id", Value: u}, {Key: "created_at", Value: time.Now()}}
	}
	return docs
}

// seedGrid makes pins pins, each by its own author in their own group,
// and a viewer who follows every author and likes and bookmarks every
// third pin.
func seedGrid(t *testing.T, s *mongostore.Store, pins int) bson.ObjectID {
	t.Helper()
	viewer := fixtureUsers(t, s, 1)[0]
	authors := fixtureUsers(t, s, pins)
	var groups, pinDocs, likes, marks, follows []any
	for i, a := range authors {
		g, p := bson.NewObjectID(), bson.NewObjectID()
		now := time.Now()
		groups = append(groups, bson.D{{Key: "_id", Value: g}, {Key: "owner_id", Value: a}, {Key: "title", Value: "g"},
			{Key: "content", Value: ""}, {Key: "image", Value: fixtureImage}, {Key: "created_at", Value: now}, {Key: "updated_at", Value: now}})
		pinDocs = append(pinDocs, bson.D{{Key: "_id", Value: p}, {Key: "author_id", Value: a}, {Key: "group_id", Value: g},
			{Key: "title", Value: "pin"}, {Key: "content", Value: ""}, {Key: "image", Value: fixtureImage},
			{Key: "created_at", Value: now}, {Key: "updated_at", Value: now}})
		if i%3 == 0 {
			likes = append(likes, reactionDocs(p, []bson.ObjectID{viewer})...)
			marks = append(marks, reactionDocs(p, []bson.ObjectID{viewer})...)
		}
		follows = append(follows, bson.D{{Key: "follower_id", Value: viewer}, {Key: "followee_id", Value: a}, {Key: "created_at", Value: now}})
	}
	insertAll(t, s, "groups", groups)
	insertAll(t, s, "pins", pinDocs)
	insertAll(t, s, "likes", likes)
	insertAll(t, s, "bookmarks", marks)
	insertAll(t, s, "follows", follows)
	return viewer
}

func TestPinListsHaveNoNPlusOne(t *testing.T) {
	ctx := context.Background()
	// One seeded database per size; each measurement opens its own cold
	// store on it.
	grids, viewers := map[int]*mongostore.Store{}, map[int]bson.ObjectID{}
	for _, limit := range []int{24, 96} {
		grids[limit] = storetest.NewMongo(t)
		viewers[limit] = seedGrid(t, grids[limit], 97)
	}
	lists := []struct {
		name string
		call func(s *mongostore.Store, viewer bson.ObjectID, limit int) ([]store.PinView, error)
	}{
		{"first page", func(s *mongostore.Store, v bson.ObjectID, limit int) ([]store.PinView, error) {
			items, _, err := s.FindPins(ctx, store.PinQuery{}, v, store.Page{Limit: limit})
			return items, err
		}},
		{"search", func(s *mongostore.Store, v bson.ObjectID, limit int) ([]store.PinView, error) {
			items, _, err := s.FindPins(ctx, store.PinQuery{Query: "PIN"}, v, store.Page{Limit: limit})
			return items, err
		}},
		{"feed", func(s *mongostore.Store, v bson.ObjectID, limit int) ([]store.PinView, error) {
			items, _, err := s.FindFeed(ctx, v, store.Page{Limit: limit})
			return items, err
		}},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			bySize := map[int][]string{}
			for _, limit := range []int{24, 96} {
				c := openCounted(t, grids[limit])
				bySize[limit] = c.commands(t, func() error {
					items, err := l.call(c.Store, viewers[limit], limit)
					if err == nil && len(items) != limit {
						err = fmt.Errorf("%d items, want %d", len(items), limit)
					}
					return err
				})
			}
			sameCommands(t, bySize)
		})
	}
}

func TestBookmarksHaveNoNPlusOne(t *testing.T) {
	bySize := map[int][]string{}
	for _, n := range []int{10, 60} {
		base := storetest.NewMongo(t)
		viewer := seedGrid(t, base, 3*n)
		c := openCounted(t, base)
		bySize[n] = c.commands(t, func() error {
			items, _, err := c.FindBookmarkedPins(context.Background(), viewer, store.Page{Limit: n})
			if err == nil && len(items) != n {
				err = fmt.Errorf("%d items, want %d", len(items), n)
			}
			return err
		})
	}
	sameCommands(t, bySize)
}

// TestWarmFirstPageIsFree: the anonymous grid is served from memory.
func TestWarmFirstPageIsFree(t *testing.T) {
	base := storetest.NewMongo(t)
	seedGrid(t, base, 30)
	c := openCounted(t, base)
	grid := func() error {
		items, next, err := c.FindPins(context.Background(), store.PinQuery{}, bson.NilObjectID, store.Page{})
		if err == nil && (len(items) != store.DefaultLimit || next == nil) {
			err = fmt.Errorf("%d items, next %v", len(items), next)
		}
		return err
	}
	if cold := c.commands(t, grid); len(cold) == 0 {
		t.Fatal("cold page sent nothing")
	}
	if warm := c.commands(t, grid); len(warm) != 0 {
		t.Fatalf("warm first page sent %v", warm)
	}
}

func TestCommentsHaveNoNPlusOne(t *testing.T) {
	bySize := map[int][]string{}
	for _, n := range []int{10, 100} {
		s := storetest.NewMongo(t)
		me := fixtureUser(t, s, "me")
		pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "").ID
		var comments []any
		for _, u := range fixtureUsers(t, s, n) {
			comments = append(comments, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "pin_id", Value: pin},
				{Key: "author_id", Value: u}, {Key: "content", Value: "hi"}, {Key: "created_at", Value: time.Now()}})
		}
		insertAll(t, s, "comments", comments)
		c := openCounted(t, s)
		bySize[n] = c.commands(t, func() error {
			items, _, err := c.FindComments(context.Background(), pin, store.Page{Limit: store.MaxLimit})
			if err == nil && len(items) != n {
				err = fmt.Errorf("%d comments, want %d", len(items), n)
			}
			return err
		})
	}
	sameCommands(t, bySize)
}

func TestFindPinHasNoNPlusOne(t *testing.T) {
	bySize := map[int][]string{}
	for _, n := range []int{10, 100} {
		s := storetest.NewMongo(t)
		me := fixtureUser(t, s, "me")
		pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "").ID
		fans := fixtureUsers(t, s, n)
		insertAll(t, s, "likes", reactionDocs(pin, fans))
		viewer := fans[n-1]
		c := openCounted(t, s)
		bySize[n] = c.commands(t, func() error {
			v, err := c.FindPin(context.Background(), pin, viewer)
			if err == nil && (v.Counts.Likes != int64(n) || !v.LikedByMe) {
				err = fmt.Errorf("view %+v, want %d likes", v, n)
			}
			return err
		})
	}
	sameCommands(t, bySize)
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
