package mongostore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// commandCounter counts the commands a store sends, by name and
// collection ("find pins").
type commandCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *commandCounter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[e.CommandName+" "+coll]++
		c.n["all"]++
	}}
}

// during returns the counts of the commands fn sends.
func (c *commandCounter) during(fn func()) map[string]int {
	c.mu.Lock()
	c.n = map[string]int{}
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// feedFixture makes viewer follow n authors with pins each, created in
// turns so that the authors' pins interleave in time, plus pins of an
// author nobody follows. It returns the followed pins, newest first.
func feedFixture(t *testing.T, s *mongostore.Store, viewer bson.ObjectID, n, pins int) []bson.ObjectID {
	t.Helper()
	ctx := context.Background()
	authors := make([]bson.ObjectID, n)
	groups := make([]bson.ObjectID, n)
	for i := range authors {
		authors[i] = fixtureUser(t, s, fmt.Sprint("a", i))
		groups[i] = fixtureGroup(t, s, authors[i])
		if _, _, err := s.Follow(ctx, viewer, authors[i]); err != nil {
			t.Fatal(err)
		}
	}
	stranger := fixtureUser(t, s, "stranger")
	strangerGroup := fixtureGroup(t, s, stranger)
	var want []bson.ObjectID
	for round := range pins {
		for i := range authors {
			want = append(want, fixturePin(t, s, authors[i], groups[i], fmt.Sprint("p", round), "").ID)
		}
		fixturePin(t, s, stranger, strangerGroup, "not followed", "")
	}
	slices.Reverse(want)
	return want
}

// feedPages reads the whole feed of viewer, limit pins a page.
func feedPages(t *testing.T, s *mongostore.Store, viewer bson.ObjectID, limit int) []bson.ObjectID {
	t.Helper()
	var got []bson.ObjectID
	page := store.Page{Limit: limit}
	for range 100 {
		items, next, err := s.FindFeed(context.Background(), viewer, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > limit {
			t.Fatalf("a page of %d items, limit %d", len(items), limit)
		}
		for _, it := range items {
			got = append(got, it.ID)
		}
		if next == nil {
			return got
		}
		page.Cursor = *next
	}
	t.Fatal("the feed never ends")
	return nil
}

// The followees' ranges merge into one newest-first list, whether they
// fit in one find or are split over several (users following many).
func TestFeedMergesFolloweesRanges(t *testing.T) {
	s := storetest.NewMongo(t)
	viewer := fixtureUser(t, s, "viewer")
	want := feedFixture(t, s, viewer, 7, 4)
	if got := feedPages(t, s, viewer, 5); !slices.Equal(got, want) {
		t.Fatalf("one find per page: got %d pins, want %d, or in another order", len(got), len(want))
	}
	defer mongostore.SetFeedChunk(3)()
	if got := feedPages(t, s, viewer, 5); !slices.Equal(got, want) {
		t.Fatalf("three finds per page: got %d pins, want %d, or in another order", len(got), len(want))
	}
}

// A feed page sends the same commands whatever the number of followees
// and of their pins: one find lists the followees, one find reads the
// page from all their ranges, then the page's hydration.
func TestFeedCommandsPerPage(t *testing.T) {
	count := func(followees, pins int) map[string]int {
		t.Helper()
		var cc commandCounter
		s := storetest.Mongo(t, mongostore.Options{Monitor: cc.monitor(), NoCache: true})
		viewer := fixtureUser(t, s, "viewer")
		feedFixture(t, s, viewer, followees, pins)
		return cc.during(func() {
			if _, _, err := s.FindFeed(context.Background(), viewer, store.Page{Limit: 4}); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := count(2, 2), count(12, 3)
	if small["find pins"] != 1 || small["find follows"] != 1 {
		t.Errorf("a feed page sent %v", small)
	}
	if small["all"] != large["all"] {
		t.Errorf("2 followees: %d commands (%v); 12 followees: %d (%v)", small["all"], small, large["all"], large)
	}
}
