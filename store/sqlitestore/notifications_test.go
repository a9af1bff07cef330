package sqlitestore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestNotificationShowsAPinOfAnyAuthor: a page of notifications finds a
// pin among its author's pins when the author is the recipient (a like, a
// comment) or the actor (a new pin), and by its id otherwise: a comment
// notified to someone else than the pin's author still shows the pin.
func TestNotificationShowsAPinOfAnyAuthor(t *testing.T) {
	ctx := t.Context()
	s, users, p := openWithPin(t, 3)
	author, actor, other := users[0], users[1], users[2]
	for _, c := range []struct {
		name             string
		kind             string
		actor, recipient bson.ObjectID
	}{
		{"the recipient's pin", store.NotifyLike, actor, author},
		{"the actor's pin", store.NotifyNewPin, author, other},
		{"someone else's pin", store.NotifyComment, actor, other},
	} {
		if _, err := s.Notify(ctx, c.kind, c.actor, &p.ID, []bson.ObjectID{c.recipient}); err != nil {
			t.Fatal(err)
		}
		page, err := s.FindNotifications(ctx, c.recipient, store.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		n := page.Items[0]
		if n.Kind != c.kind || n.Pin == nil || n.Pin.ID != p.ID || n.Pin.Title != p.Title || n.Pin.Image != p.Image {
			t.Errorf("%s: newest notification %+v (pin %+v), want a %s showing %q", c.name, n, n.Pin, c.kind, p.Title)
		}
	}
}

// openWithPin opens a store in a temporary directory, closed when the test
// ends, holding n users and one pin posted by the first into a group of
// theirs; it returns the users' ids and the pin.
func openWithPin(t *testing.T, n int) (*Store, []bson.ObjectID, store.Pin) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	users := make([]store.User, n)
	ids := make([]bson.ObjectID, n)
	for i := range users {
		ids[i] = bson.NewObjectID()
		users[i] = store.User{ID: ids[i], Email: fmt.Sprintf("u%d@x.test", i),
			Nickname: fmt.Sprintf("user%d", i), PasswordHash: []byte("x"), CreatedAt: at}
	}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: ids[0], Title: "g", CreatedAt: at, UpdatedAt: at}
	p := store.Pin{ID: bson.NewObjectID(), AuthorID: ids[0], GroupID: g.ID, Title: "the pin",
		Image: store.ImageRef{Key: "k", Ext: "jpg", Width: 3, Height: 4}, CreatedAt: at, UpdatedAt: at}
	for _, b := range []store.Batch{{Kind: store.KindUsers, Users: users}, {Kind: store.KindGroups, Groups: []store.Group{g}},
		{Kind: store.KindPins, Pins: []store.Pin{p}}} {
		if err := s.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	return s, ids, p
}
