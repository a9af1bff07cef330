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

func TestDeleteUserCascade(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	w := socBuild(t, s)
	socWarm(t, s, w)
	socProfile(t, s, w.victim.ID)
	if _, err := s.FindPin(ctx, w.pinV, w.a.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.DeleteUser(ctx, w.victim.ID, "not-the-password")
	if socFields(t, err, store.EInvalid)["password"] == "" {
		t.Fatalf("wrong password: %v, want a password field error", err)
	}
	if _, err := s.FindUserByID(ctx, w.victim.ID); err != nil {
		t.Fatalf("refused deletion removed the user: %v", err)
	}
	del, err := s.DeleteUser(ctx, w.victim.ID, socPassword)
	if err != nil {
		t.Fatal(err)
	}
	socCheck(t, s, w)
	// What it reports: the victim's pin, both comments on b's pin (not
	// a's comment on the victim's pin), and a, the only user it followed.
	if len(del.PinIDs) != 1 || del.PinIDs[0] != w.pinV {
		t.Errorf("deleted pins = %v, want [%v]", del.PinIDs, w.pinV)
	}
	if len(del.Comments) != 2 || del.Comments[0].PinID != w.pinB || del.Comments[1].PinID != w.pinB ||
		del.Comments[0].ID == del.Comments[1].ID || del.Comments[0].ID.IsZero() {
		t.Errorf("deleted comments = %+v, want two on pin b", del.Comments)
	}
	if len(del.Followees) != 1 || del.Followees[0] != w.a.ID {
		t.Errorf("followees = %v, want [%v]", del.Followees, w.a.ID)
	}
	if n, err := s.FollowerCounts(ctx, []bson.ObjectID{w.a.ID, w.b.ID}); err != nil || n[w.a.ID] != 0 || n[w.b.ID] != 1 {
		t.Errorf("FollowerCounts = %v, %v; want a 0, b 1", n, err)
	}
	if _, err := s.DeleteUser(ctx, w.victim.ID, socPassword); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second deletion: %v, want not found", err)
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
