package mongostore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// There are no multi-document transactions in MongoDB: a cascade marks
// what it deletes (deleting: true), hides it, and ResumeDeletions finishes
// what a crash interrupted. These tests build a crash's leftovers by
// editing the collections directly.

// A group whose deletion is under way takes no new pins.
func TestCreatePinInGroupBeingDeleted(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me := fixtureUser(t, s, "me")
	dying := fixtureGroup(t, s, me)
	if _, err := s.Database().Collection("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: dying}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreatePin(ctx, me, store.PinInput{Title: "t", GroupID: dying}, fixtureImage)
	var e *store.Error
	if !errors.As(err, &e) || e.Code != store.EInvalid || e.Fields["group_id"].Code == "" {
		t.Fatalf("pin in a dying group: %v, want invalid group_id", err)
	}
	if n := recount(t, s, "pins", bson.D{}); n != 0 {
		t.Fatalf("%d pins stored", n)
	}
}

// A notification whose pin vanished before its cascade reached the
// notification (a crash between the two) shows no pin.
func TestNotificationOfMissingPin(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	me, actor := socUser(t, s, "me"), socUser(t, s, "act")
	kept, gone := socPin(t, s, me.ID, "kept"), socPin(t, s, me.ID, "gone")
	for _, p := range []bson.ObjectID{kept, gone} {
		if _, err := s.Notify(ctx, store.NotifyComment, actor.ID, &p, []bson.ObjectID{me.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Database().Collection("pins").DeleteOne(ctx, bson.D{{Key: "_id", Value: gone}}); err != nil {
		t.Fatal(err)
	}
	np, err := s.FindNotifications(ctx, me.ID, store.Page{})
	items, unread := np.Items, np.Unread
	if err != nil || len(items) != 2 || unread != 2 {
		t.Fatalf("%d notifications, %d unread, %v", len(items), unread, err)
	}
	for _, v := range items {
		switch *v.PinID {
		case gone:
			if v.Pin != nil {
				t.Errorf("notification of a missing pin shows it: %+v", v.Pin)
			}
		case kept:
			if v.Pin == nil || v.Pin.Title != "kept" {
				t.Errorf("notification of a live pin lacks it: %+v", v)
			}
		}
	}
}

// seedChildren gives pin a comment, like, bookmark and notification from fan.
func seedChildren(t *testing.T, s *mongostore.Store, pin, author, fan bson.ObjectID) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.CreateComment(ctx, pin, fan, "nice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetLike(ctx, pin, fan, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetBookmark(ctx, pin, fan, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Database().Collection("notifications").InsertOne(ctx, bson.D{
		{Key: "recipient_id", Value: author}, {Key: "kind", Value: store.NotifyLike}, {Key: "actor_id", Value: fan},
		{Key: "pin_id", Value: pin}, {Key: "read", Value: false}, {Key: "created_at", Value: time.Now()},
	}); err != nil {
		t.Fatal(err)
	}
}

// wantNoChildren fails if anything still hangs from pin.
func wantNoChildren(t *testing.T, s *mongostore.Store, pin bson.ObjectID) {
	t.Helper()
	for _, c := range []string{"comments", "likes", "bookmarks", "notifications"} {
		if n := recount(t, s, c, bson.D{{Key: "pin_id", Value: pin}}); n != 0 {
			t.Fatalf("%d %s left for a deleted pin", n, c)
		}
	}
	if n := recount(t, s, "pins", bson.D{{Key: "_id", Value: pin}}); n != 0 {
		t.Fatal("pin document left")
	}
}

// TestResumeDeletions simulates crashes half-way through a pin cascade
// and a group cascade, then lets ResumeDeletions finish them.
func TestResumeDeletions(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	db := s.Database()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	g, doomed := fixtureGroup(t, s, me), fixtureGroup(t, s, me)
	pin := fixturePin(t, s, me, g, "crashed", "")
	seedChildren(t, s, pin.ID, me, fan)
	inDoomed := fixturePin(t, s, me, doomed, "in doomed", "")
	seedChildren(t, s, inDoomed.ID, me, fan)
	keep := fixturePin(t, s, me, g, "keep", "")
	seedChildren(t, s, keep.ID, me, fan)

	// Crash 1: the pin was marked and only its comments and likes went.
	mark := bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}
	if _, err := db.Collection("pins").UpdateOne(ctx, bson.D{{Key: "_id", Value: pin.ID}}, mark); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"comments", "likes"} {
		if _, err := db.Collection(c).DeleteMany(ctx, bson.D{{Key: "pin_id", Value: pin.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	// Crash 2: the group was marked, nothing else happened.
	if _, err := db.Collection("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: doomed}}, mark); err != nil {
		t.Fatal(err)
	}
	if n := recount(t, s, "bookmarks", bson.D{{Key: "pin_id", Value: pin.ID}}); n != 1 {
		t.Fatalf("setup: bookmarks %d", n)
	}
	if err := s.ResumeDeletions(ctx); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t, s, pin.ID)
	wantNoChildren(t, s, inDoomed.ID)
	if n := recount(t, s, "groups", bson.D{{Key: "_id", Value: doomed}}); n != 0 {
		t.Fatal("marked group left")
	}
	got, err := s.FindPin(ctx, keep.ID, fan)
	if err != nil || got.Counts != (store.PinCounts{Likes: 1, Bookmarks: 1, Comments: 1}) {
		t.Fatalf("untouched pin = %+v, %v", got, err)
	}
	if err := s.ResumeDeletions(ctx); err != nil { // nothing left: a no-op
		t.Fatal(err)
	}
}

// socWorld is a small social graph around victim, who is then deleted.
type socWorld struct {
	victim, a, b, c *store.User
	pinA, pinB      bson.ObjectID // others' pins the victim touched
	pinV            bson.ObjectID // the victim's own pin
}

// socBuild makes the victim follow a and be followed by b and c (a also
// follows b), like and bookmark a's pin, comment twice on b's pin, and own
// a pin that a liked and commented on; notifications go both ways.
func socBuild(t *testing.T, s *mongostore.Store) socWorld {
	t.Helper()
	ctx := context.Background()
	w := socWorld{victim: socUser(t, s, "vic"), a: socUser(t, s, "a"), b: socUser(t, s, "b"), c: socUser(t, s, "c")}
	for _, f := range [][2]*store.User{{w.victim, w.a}, {w.b, w.victim}, {w.c, w.victim}, {w.a, w.b}} {
		if _, _, err := s.Follow(ctx, f[0].ID, f[1].ID); err != nil {
			t.Fatal(err)
		}
	}
	w.pinA, w.pinB, w.pinV = socPin(t, s, w.a.ID, "pa"), socPin(t, s, w.b.ID, "pb"), socPin(t, s, w.victim.ID, "pv")
	db := s.Database()
	now := time.Now().UTC()
	reaction := func(pin, user bson.ObjectID) bson.D {
		return bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "pin_id", Value: pin}, {Key: "user_id", Value: user}, {Key: "created_at", Value: now}}
	}
	comment := func(pin, author bson.ObjectID) store.Comment {
		return store.Comment{ID: bson.NewObjectID(), PinID: pin, AuthorID: author, Content: "nice", CreatedAt: now}
	}
	inserts := map[string][]any{
		"likes":     {reaction(w.pinA, w.victim.ID), reaction(w.pinV, w.a.ID)},
		"bookmarks": {reaction(w.pinA, w.victim.ID)},
		"comments":  {comment(w.pinB, w.victim.ID), comment(w.pinB, w.victim.ID), comment(w.pinV, w.a.ID), comment(w.pinB, w.c.ID)},
	}
	for coll, docs := range inserts {
		if _, err := db.Collection(coll).InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Notify(ctx, store.NotifyLike, w.victim.ID, &w.pinA, []bson.ObjectID{w.a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notify(ctx, store.NotifyComment, w.a.ID, &w.pinV, []bson.ObjectID{w.victim.ID}); err != nil {
		t.Fatal(err)
	}
	return w
}

// socCount counts documents straight from a collection.
func socCount(t *testing.T, s *mongostore.Store, coll string, filter bson.D) int64 {
	t.Helper()
	n, err := s.Database().Collection(coll).CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// socWarm reads the others' profiles and pins once, so that stale cache
// entries would show in socCheck.
func socWarm(t *testing.T, s *mongostore.Store, w socWorld) {
	t.Helper()
	for _, u := range []*store.User{w.a, w.b, w.c} {
		socProfile(t, s, u.ID)
	}
	for _, p := range []bson.ObjectID{w.pinA, w.pinB} {
		if _, err := s.FindPin(context.Background(), p, w.c.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// socCheck asserts that nothing of the victim remains and that every count
// shown for the others equals a recount.
func socCheck(t *testing.T, s *mongostore.Store, w socWorld) {
	t.Helper()
	ctx := context.Background()
	v := w.victim.ID
	for coll, filter := range map[string]bson.D{
		"users":         {{Key: "_id", Value: v}},
		"follows":       {{Key: "$or", Value: bson.A{bson.D{{Key: "follower_id", Value: v}}, bson.D{{Key: "followee_id", Value: v}}}}},
		"likes":         {{Key: "$or", Value: bson.A{bson.D{{Key: "user_id", Value: v}}, bson.D{{Key: "pin_id", Value: w.pinV}}}}},
		"bookmarks":     {{Key: "user_id", Value: v}},
		"comments":      {{Key: "$or", Value: bson.A{bson.D{{Key: "author_id", Value: v}}, bson.D{{Key: "pin_id", Value: w.pinV}}}}},
		"groups":        {{Key: "owner_id", Value: v}},
		"pins":          {{Key: "author_id", Value: v}},
		"notifications": {{Key: "$or", Value: bson.A{bson.D{{Key: "recipient_id", Value: v}}, bson.D{{Key: "actor_id", Value: v}}}}},
	} {
		if n := socCount(t, s, coll, filter); n != 0 {
			t.Errorf("%d %s of the deleted user remain", n, coll)
		}
	}
	if _, err := s.FindUserByID(ctx, v); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted user found: %v", err)
	}
	if _, err := s.Authenticate(ctx, w.victim.Email, socPassword); store.ErrorCode(err) != store.EUnauthorized {
		t.Errorf("deleted user logs in: %v", err)
	}
	for _, u := range []*store.User{w.a, w.b, w.c} {
		p := socProfile(t, s, u.ID)
		want := store.Profile{
			Card: p.Card, Message: p.Message,
			PinCount:       socCount(t, s, "pins", bson.D{{Key: "author_id", Value: u.ID}}),
			FollowerCount:  socRecount(t, s, "followee_id", u.ID),
			FollowingCount: socRecount(t, s, "follower_id", u.ID),
		}
		if *p != want {
			t.Errorf("profile of %s = %+v, recount %+v", u.Nickname, *p, want)
		}
	}
	if p := socProfile(t, s, w.a.ID); p.FollowerCount != 0 || p.FollowingCount != 1 || p.PinCount != 1 {
		t.Errorf("profile of a = %+v, want 0 followers, 1 following, 1 pin", p)
	}
	for _, pin := range []bson.ObjectID{w.pinA, w.pinB} {
		pv, err := s.FindPin(ctx, pin, w.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := store.PinCounts{
			Likes:     socCount(t, s, "likes", bson.D{{Key: "pin_id", Value: pin}}),
			Bookmarks: socCount(t, s, "bookmarks", bson.D{{Key: "pin_id", Value: pin}}),
			Comments:  socCount(t, s, "comments", bson.D{{Key: "pin_id", Value: pin}}),
		}
		if pv.Counts != want {
			t.Errorf("pin %s counts = %+v, recount %+v", pv.Title, pv.Counts, want)
		}
	}
	if _, err := s.FindPin(ctx, w.pinV, w.c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted user's pin found: %v", err)
	}
}

// TestResumeUserDeletion simulates a crash half-way through a cascade: the
// user is marked, notifications and follows are gone, the group cascade has
// only marked the group. A restarted store finishes the job.
func TestResumeUserDeletion(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	w := socBuild(t, s)
	db := s.Database()
	v := w.victim.ID
	mark := bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}
	if _, err := db.Collection("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: v}}, mark); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("groups").UpdateMany(ctx, bson.D{{Key: "owner_id", Value: v}}, mark); err != nil {
		t.Fatal(err)
	}
	for coll, field := range map[string]string{"notifications": "recipient_id", "follows": "follower_id"} {
		if _, err := db.Collection(coll).DeleteMany(ctx, bson.D{{Key: field, Value: v}}); err != nil {
			t.Fatal(err)
		}
	}

	// The process died: a new store on the same database starts with
	// empty caches, as after a restart.
	restarted, err := mongostore.Open(ctx, storetest.URI(t), db.Name(), mongostore.Options{Options: store.Options{PasswordCost: bcrypt.MinCost}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = restarted.Close(context.Background()) })
	if _, err := restarted.FindUserByID(ctx, v); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("half-deleted user visible: %v", err)
	}
	if cards, _ := restarted.FindCards(ctx, []bson.ObjectID{v}); len(cards) != 0 {
		t.Errorf("half-deleted user has a card")
	}
	socWarm(t, restarted, w)
	for range 2 { // idempotent: a second run finds nothing to do
		if err := restarted.ResumeDeletions(ctx); err != nil {
			t.Fatal(err)
		}
	}
	socCheck(t, restarted, w)
}
