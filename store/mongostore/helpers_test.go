package mongostore_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// Fixtures of the MongoDB-only tests: they write documents straight into
// the collections (a crash's leftovers, a seed too big for the API) and
// recount there. The domain rules are checked by storetest.Run
// (conformance_test.go).

// fixtureImage stands for an uploaded image; the store only keeps the ref.
var fixtureImage = store.ImageRef{Key: "fixture", Ext: "png", Width: 236, Height: 300}

// fixtureUser inserts a user document directly (sign-up is not what these
// tests are about) and returns its id.
func fixtureUser(tb testing.TB, s *mongostore.Store, nick string) bson.ObjectID {
	tb.Helper()
	id := bson.NewObjectID()
	_, err := s.Database().Collection("users").InsertOne(context.Background(), bson.D{
		{Key: "_id", Value: id},
		{Key: "email", Value: id.Hex() + "@example.com"},
		{Key: "nickname", Value: nick},
		{Key: "nickname_key", Value: strings.ToLower(nick) + id.Hex()},
		{Key: "message", Value: ""},
		{Key: "created_at", Value: time.Now()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// fixtureGroup creates a group of owner.
func fixtureGroup(tb testing.TB, s *mongostore.Store, owner bson.ObjectID) bson.ObjectID {
	tb.Helper()
	g, err := s.CreateGroup(context.Background(), owner, store.GroupInput{Title: "board"}, fixtureImage)
	if err != nil {
		tb.Fatal(err)
	}
	return g.ID
}

// fixturePin creates a pin of author in group.
func fixturePin(tb testing.TB, s *mongostore.Store, author, group bson.ObjectID, title, content string) *store.PinView {
	tb.Helper()
	p, err := s.CreatePin(context.Background(), author, store.PinInput{Title: title, Content: content, GroupID: group}, fixtureImage)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// recount counts the documents of coll matching filter, bypassing the store.
func recount(tb testing.TB, s *mongostore.Store, coll string, filter bson.D) int64 {
	tb.Helper()
	n, err := s.Database().Collection(coll).CountDocuments(context.Background(), filter)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// socPassword is the password every socUser signs up with.
const socPassword = "correct-horse-battery"

var socSeq atomic.Int64

// socStore opens a store with the cheapest bcrypt cost, so sign-ups are fast.
func socStore(t *testing.T, opts ...store.Options) *mongostore.Store {
	t.Helper()
	o := store.Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	o.PasswordCost = bcrypt.MinCost
	return storetest.NewMongo(t, o)
}

// socUser signs up a fresh user whose nickname starts with prefix.
func socUser(t *testing.T, s *mongostore.Store, prefix string) *store.User {
	t.Helper()
	nick := fmt.Sprintf("%s%d", prefix, socSeq.Add(1))
	u, err := s.CreateUser(context.Background(), store.NewUser{
		Email: strings.ToLower(nick) + "@example.com", Nickname: nick, Password: socPassword,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", nick, err)
	}
	return u
}

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

// socPin inserts a group of author and a pin in it straight into the
// collections, so these tests do not depend on the pin API.
func socPin(t *testing.T, s *mongostore.Store, author bson.ObjectID, title string) bson.ObjectID {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	img := store.ImageRef{Key: "k" + title, Ext: "png", Width: 4, Height: 3}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: author, Title: "g", Image: img, CreatedAt: now, UpdatedAt: now}
	p := store.Pin{ID: bson.NewObjectID(), AuthorID: author, GroupID: g.ID, Title: title, Image: img, CreatedAt: now, UpdatedAt: now}
	if _, err := s.Database().Collection("groups").InsertOne(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Database().Collection("pins").InsertOne(ctx, p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}
