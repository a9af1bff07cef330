package mongostore_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/mongostore"
)

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

func TestNotifyBatch(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	actor, r1, r2, r3 := socUser(t, s, "act"), socUser(t, s, "r"), socUser(t, s, "r"), socUser(t, s, "r")
	pin := socPin(t, s, actor.ID, "sunset")
	recipients := []bson.ObjectID{r1.ID, actor.ID, r2.ID, r3.ID, r1.ID}
	for round := int64(1); round <= 2; round++ {
		ds, err := s.Notify(ctx, store.NotifyLike, actor.ID, &pin, recipients)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 3 {
			t.Fatalf("round %d: %d deliveries, want 3 (actor skipped, duplicates once)", round, len(ds))
		}
		for _, d := range ds {
			v := d.View
			if v.RecipientID == actor.ID {
				t.Errorf("actor notified of own action")
			}
			if d.UnreadCount != round || v.Kind != store.NotifyLike || v.Read ||
				v.Actor.Nickname != actor.Nickname || v.Pin == nil || v.Pin.Title != "sunset" || v.Pin.ID != pin {
				t.Errorf("round %d: delivery %+v", round, d)
			}
		}
	}
	for _, r := range []*store.User{r1, r2, r3} {
		items, unread, _, err := s.FindNotifications(ctx, r.ID, store.Page{})
		if err != nil || len(items) != 2 || unread != 2 {
			t.Errorf("%s: %d items, %d unread, %v; want 2 and 2", r.Nickname, len(items), unread, err)
		}
	}
	if items, unread, _, _ := s.FindNotifications(ctx, actor.ID, store.Page{}); len(items) != 0 || unread != 0 {
		t.Errorf("actor has %d notifications", len(items))
	}
	if ds, err := s.Notify(ctx, store.NotifyFollow, actor.ID, nil, []bson.ObjectID{actor.ID}); err != nil || len(ds) != 0 {
		t.Errorf("notify only the actor = %v, %v; want nothing", ds, err)
	}
}

func TestNotifyFollowers(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	author, outsider := socUser(t, s, "auth"), socUser(t, s, "out")
	fans := []*store.User{socUser(t, s, "fan"), socUser(t, s, "fan"), socUser(t, s, "fan")}
	for _, f := range fans {
		if _, _, err := s.Follow(ctx, f.ID, author.ID); err != nil {
			t.Fatal(err)
		}
	}
	pin := socPin(t, s, author.ID, "new")
	ds, err := s.NotifyFollowers(ctx, author.ID, pin)
	if err != nil || len(ds) != len(fans) {
		t.Fatalf("NotifyFollowers = %d deliveries, %v; want %d", len(ds), err, len(fans))
	}
	for _, d := range ds {
		if d.View.Kind != store.NotifyNewPin || d.UnreadCount != 1 || d.View.Pin == nil {
			t.Errorf("delivery %+v", d)
		}
	}
	if _, unread, _, _ := s.FindNotifications(ctx, outsider.ID, store.Page{}); unread != 0 {
		t.Errorf("a non-follower got %d notifications", unread)
	}
}

func TestFindNotificationsPagesAndMarkRead(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	me, actor := socUser(t, s, "me"), socUser(t, s, "act")
	kept, gone := socPin(t, s, me.ID, "kept"), socPin(t, s, me.ID, "gone")
	if _, err := s.Notify(ctx, store.NotifyFollow, actor.ID, nil, []bson.ObjectID{me.ID}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []bson.ObjectID{kept, gone, kept, gone} {
		if _, err := s.Notify(ctx, store.NotifyComment, actor.ID, &p, []bson.ObjectID{me.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Database().Collection("pins").DeleteOne(ctx, bson.D{{Key: "_id", Value: gone}}); err != nil {
		t.Fatal(err)
	}
	var all []store.NotificationView
	cursor := ""
	for {
		items, unread, next, err := s.FindNotifications(ctx, me.ID, store.Page{Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if unread != 5 {
			t.Errorf("unread = %d, want 5", unread)
		}
		all = append(all, items...)
		if next == nil {
			break
		}
		cursor = *next
	}
	if len(all) != 5 {
		t.Fatalf("%d notifications over all pages, want 5", len(all))
	}
	for i, v := range all {
		if i > 0 && v.ID.Hex() >= all[i-1].ID.Hex() {
			t.Errorf("not newest first at %d", i)
		}
		switch {
		case v.Kind == store.NotifyFollow && v.Pin != nil:
			t.Errorf("follow notification shows a pin")
		case v.PinID != nil && *v.PinID == gone && v.Pin != nil:
			t.Errorf("notification of a deleted pin shows it: %+v", v.Pin)
		case v.PinID != nil && *v.PinID == kept && (v.Pin == nil || v.Pin.Title != "kept"):
			t.Errorf("notification of a live pin lacks it: %+v", v)
		}
	}
	if err := s.MarkNotificationsRead(ctx, me.ID); err != nil {
		t.Fatal(err)
	}
	items, unread, _, err := s.FindNotifications(ctx, me.ID, store.Page{})
	if err != nil || unread != 0 || len(items) != 5 {
		t.Fatalf("after mark read: %d items, %d unread, %v", len(items), unread, err)
	}
	for _, v := range items {
		if !v.Read {
			t.Errorf("notification %s still unread", v.ID.Hex())
		}
	}
}
