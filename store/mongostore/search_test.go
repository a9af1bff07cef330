package mongostore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// The word rules of search are in the conformance suite; these tests are
// about the terms field that serves them in MongoDB.

// Pins written before search terms existed (or by an older instance) get
// them when a store opens, in batches, once.
func TestSearchTermsBackfilledAtOpen(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t)
	me := fixtureUser(t, s, "me")
	group := fixtureGroup(t, s, me)
	// FerretDB applies about one update per 50 ms in a -race build: a
	// few pins, several batches.
	defer mongostore.SetBackfillBatch(8)()
	const legacy = 30
	docs := make([]any, legacy)
	for i := range docs {
		now := store.Now()
		docs[i] = store.Pin{ID: bson.NewObjectID(), AuthorID: me, GroupID: group,
			Title: fmt.Sprintf("Legacy %d", i), Content: "Trip to SEOUL", Image: fixtureImage, CreatedAt: now, UpdatedAt: now}
	}
	pins := s.Database().Collection("pins")
	if _, err := pins.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	search := func(s *mongostore.Store, q string) int {
		t.Helper()
		items, _, err := s.FindPins(ctx, store.PinQuery{Query: q}, bson.NilObjectID, store.Page{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	if n := search(s, "seoul"); n != 0 {
		t.Fatalf("found %d pins without terms: the test needs pins the index cannot find", n)
	}

	var updates atomic.Int32
	monitor := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		if e.CommandName == "update" {
			updates.Add(1)
		}
	}}
	reopen := func() *mongostore.Store {
		t.Helper()
		r, err := mongostore.Open(ctx, storetest.URI(t), s.Database().Name(), mongostore.Options{Monitor: monitor})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close(context.Background()) })
		return r
	}
	r := reopen()
	if n := recount(t, r, "pins", bson.D{{Key: "terms", Value: nil}}); n != 0 {
		t.Fatalf("%d pins still without terms", n)
	}
	if n := search(r, "seoul"); n != legacy {
		t.Fatalf("found %d legacy pins by their content, want %d", n, legacy)
	}
	if n := search(r, "legacy 2"); n != 11 { // 2 and 20..29
		t.Fatalf("found %d pins for two terms, want 11", n)
	}
	if n := updates.Load(); n < legacy/8 {
		t.Fatalf("%d update commands for %d pins in batches of 8", n, legacy)
	}
	updates.Store(0)
	reopen()
	if n := updates.Load(); n != 0 {
		t.Fatalf("a second open sent %d update commands", n)
	}
}

// An edit derives the terms from the title and content the pin ends up
// with, even when another edit changes the other field in between.
func TestUpdatePinTermsFollowConcurrentEdit(t *testing.T) {
	ctx := context.Background()
	other, err := mongo.Connect(options.Client().ApplyURI(storetest.URI(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Disconnect(context.Background()) })

	// The first findAndModify on pins is preceded by another writer's
	// edit of the content: the one the edit read is then stale.
	var db atomic.Value
	var pinID atomic.Value
	var once sync.Once
	monitor := &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
		if e.CommandName != "findAndModify" || e.Command.Lookup("findAndModify").StringValue() != "pins" {
			return
		}
		once.Do(func() {
			coll := other.Database(db.Load().(string)).Collection("pins")
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: pinID.Load()}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "content", Value: "zebra crossing"}, {Key: "terms", Value: bson.A{"zebra", "crossing", "old"}}}}})
			if err != nil {
				panic(err)
			}
		})
	}}
	s := storetest.Mongo(t, mongostore.Options{Monitor: monitor})
	db.Store(s.Database().Name())
	me := fixtureUser(t, s, "me")
	p := fixturePin(t, s, me, fixtureGroup(t, s, me), "old title", "old content")
	pinID.Store(p.ID)

	title := "new title"
	got, err := s.UpdatePin(ctx, p.ID, me, store.PinPatch{Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != title || got.Content != "zebra crossing" {
		t.Fatalf("after the edit: %q / %q", got.Title, got.Content)
	}
	var doc struct {
		Terms []string `bson:"terms"`
	}
	if err := s.Database().Collection("pins").FindOne(ctx, bson.D{{Key: "_id", Value: p.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if want := store.Words(title + " zebra crossing"); !slices.Equal(doc.Terms, want) {
		t.Fatalf("terms %q, want %q", doc.Terms, want)
	}
}

// Reads never carry the terms back: they can be as long as the content.
// (An edit's findAndModify does: FerretDB refuses a projection there.)
func TestPinReadsLeaveTermsOut(t *testing.T) {
	ctx := context.Background()
	var leaked atomic.Int32
	monitor := &event.CommandMonitor{Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
		reads := e.CommandName == "find" || e.CommandName == "getMore"
		if reads && replyHasField(e.Reply, "terms") {
			leaked.Add(1)
		}
	}}
	s := storetest.Mongo(t, mongostore.Options{Monitor: monitor, NoCache: true})
	me := fixtureUser(t, s, "me")
	p := fixturePin(t, s, me, fixtureGroup(t, s, me), "some words", "and more words")
	title := "other words"
	if _, err := s.UpdatePin(ctx, p.ID, me, store.PinPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindPin(ctx, p.ID, me); err != nil {
		t.Fatal(err)
	}
	for _, q := range []store.PinQuery{{}, {AuthorID: me}, {Query: "words"}} {
		if _, _, err := s.FindPins(ctx, q, me, store.Page{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := leaked.Load(); n != 0 {
		t.Fatalf("%d replies carried terms", n)
	}
}

// replyHasField reports whether field appears anywhere in a reply.
func replyHasField(doc bson.Raw, field string) bool {
	elems, err := doc.Elements()
	if err != nil {
		return false
	}
	for _, e := range elems {
		if e.Key() == field {
			return true
		}
		if sub, ok := e.Value().DocumentOK(); ok && replyHasField(sub, field) {
			return true
		}
		if arr, ok := e.Value().ArrayOK(); ok && replyHasField(bson.Raw(arr), field) {
			return true
		}
	}
	return false
}
