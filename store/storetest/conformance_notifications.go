package storetest

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// notificationTests: notifications are persisted per recipient, never for
// the actor, listed newest first with an unread count, and marked read
// all at once (docs/API.md §Notifications).
var notificationTests = []conformanceTest{
	{"notify a batch", testNotifyBatch},
	{"notify followers", testNotifyFollowers},
	{"pages, unread count, mark read", testNotificationPages},
	{"toggles notify once a day", testToggleNotifiesOnce},
}

func testNotifyBatch(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	actor, r1, r2, r3 := newUser(t, st, "act"), newUser(t, st, "r"), newUser(t, st, "r"), newUser(t, st, "r")
	pin := newPin(t, st, actor.ID, newGroup(t, st, actor.ID), "sunset", "")
	recipients := []bson.ObjectID{r1.ID, actor.ID, r2.ID, r3.ID, r1.ID}
	for round := int64(1); round <= 2; round++ {
		ds, err := st.Notify(ctx, store.NotifyComment, actor.ID, &pin.ID, recipients)
		if err != nil {
			t.Fatal(err)
		}
		var got []bson.ObjectID
		for _, d := range ds {
			v := d.View
			got = append(got, v.RecipientID)
			if d.UnreadCount != round || v.Kind != store.NotifyComment || v.Read || v.ActorID != actor.ID || v.ID.IsZero() ||
				v.Actor.Nickname != actor.Nickname || v.PinID == nil || *v.PinID != pin.ID ||
				v.Pin == nil || v.Pin.Title != "sunset" || v.Pin.ID != pin.ID || v.Pin.Image != image {
				t.Errorf("round %d: delivery %+v", round, d)
			}
		}
		// The actor is skipped and a repeated recipient gets one.
		if !sameSet(got, []bson.ObjectID{r1.ID, r2.ID, r3.ID}) {
			t.Fatalf("round %d: delivered to %v", round, got)
		}
	}
	for _, r := range []*store.User{r1, r2, r3} {
		np, err := st.FindNotifications(ctx, r.ID, store.Page{})
		items, unread, next := np.Items, np.Unread, np.Next
		if err != nil || len(items) != 2 || unread != 2 || next != nil {
			t.Errorf("%s: %d items, %d unread, %v; want 2 and 2", r.Nickname, len(items), unread, err)
		}
		wantUnread(t, st, r.ID, 2)
	}
	for _, id := range []bson.ObjectID{actor.ID, bson.NewObjectID()} {
		wantUnread(t, st, id, 0)
	}
	if np, err := st.FindNotifications(ctx, actor.ID, store.Page{}); err != nil || len(np.Items) != 0 || np.Unread != 0 {
		t.Errorf("actor has %d notifications, %d unread, %v", len(np.Items), np.Unread, err)
	}
	if ds, err := st.Notify(ctx, store.NotifyFollow, actor.ID, nil, []bson.ObjectID{actor.ID}); err != nil || len(ds) != 0 {
		t.Errorf("notify only the actor = %v, %v; want nothing", ds, err)
	}
	if ds, err := st.Notify(ctx, store.NotifyFollow, actor.ID, nil, nil); err != nil || len(ds) != 0 {
		t.Errorf("notify nobody = %v, %v; want nothing", ds, err)
	}
	ds, err := st.Notify(ctx, store.NotifyFollow, actor.ID, nil, []bson.ObjectID{r1.ID})
	if err != nil || len(ds) != 1 || ds[0].View.Pin != nil || ds[0].View.PinID != nil || ds[0].UnreadCount != 3 {
		t.Errorf("follow notification = %+v, %v", ds, err)
	}
}

func testNotifyFollowers(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	author, outsider := newUser(t, st, "auth"), newUser(t, st, "out")
	fans := newUsers(t, st, "fan", 3)
	for _, f := range fans {
		mustFollow(t, st, f, author.ID)
	}
	mustFollow(t, st, author.ID, outsider.ID) // whom the author follows is not told
	pin := newPin(t, st, author.ID, newGroup(t, st, author.ID), "new", "")
	ds, err := st.NotifyFollowers(ctx, author.ID, pin.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []bson.ObjectID
	for _, d := range ds {
		got = append(got, d.View.RecipientID)
		if d.View.Kind != store.NotifyNewPin || d.UnreadCount != 1 || d.View.Pin == nil || d.View.Pin.ID != pin.ID || d.View.Actor.ID != author.ID {
			t.Errorf("delivery %+v", d)
		}
	}
	if !sameSet(got, fans) {
		t.Fatalf("delivered to %v, want the fans %v", got, fans)
	}
	if np, err := st.FindNotifications(ctx, outsider.ID, store.Page{}); err != nil || np.Unread != 0 {
		t.Errorf("a non-follower got %d notifications, %v", np.Unread, err)
	}
	lonely := newUser(t, st, "lone").ID
	lp := newPin(t, st, lonely, newGroup(t, st, lonely), "alone", "")
	if ds, err := st.NotifyFollowers(ctx, lonely, lp.ID); err != nil || len(ds) != 0 {
		t.Errorf("no followers: %v, %v", ds, err)
	}
}

func testNotificationPages(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, actor, other := newUser(t, st, "me").ID, newUser(t, st, "act"), newUser(t, st, "oth").ID
	g := newGroup(t, st, me)
	p1, p2 := newPin(t, st, me, g, "first", ""), newPin(t, st, me, g, "second", "")
	var want []bson.ObjectID // newest first
	notify := func(kind string, pin *bson.ObjectID, to bson.ObjectID) {
		t.Helper()
		ds, err := st.Notify(ctx, kind, actor.ID, pin, []bson.ObjectID{to})
		if err != nil || len(ds) != 1 {
			t.Fatalf("notify: %v, %v", ds, err)
		}
		if to == me {
			want = append([]bson.ObjectID{ds[0].View.ID}, want...)
		}
	}
	notify(store.NotifyFollow, nil, me)
	for _, p := range []*store.PinView{p1, p2, p1, p2} {
		notify(store.NotifyComment, &p.ID, me)
		notify(store.NotifyComment, &p.ID, other)
	}
	page := func(unreadWant int64) []store.NotificationView {
		t.Helper()
		all, sizes := allPages(t, 2, func(p store.Page) ([]store.NotificationView, *string, error) {
			np, err := st.FindNotifications(ctx, me, p)
			items, unread, next := np.Items, np.Unread, np.Next
			if err == nil && unread != unreadWant {
				t.Errorf("unread = %d, want %d", unread, unreadWant)
			}
			return items, next, err
		})
		if len(sizes) != 3 {
			t.Errorf("page sizes %v, want 3 pages", sizes)
		}
		return all
	}
	all := page(5)
	wantIDs(t, "notifications", ids(all, func(v store.NotificationView) bson.ObjectID { return v.ID }), want)
	for _, v := range all {
		switch {
		case v.RecipientID != me || v.Read || v.Actor.ID != actor.ID || v.Actor.Nickname != actor.Nickname:
			t.Errorf("notification %+v", v)
		case v.Kind == store.NotifyFollow && (v.Pin != nil || v.PinID != nil):
			t.Errorf("follow notification shows a pin: %+v", v)
		case v.Kind == store.NotifyComment && (v.Pin == nil || v.PinID == nil || v.Pin.ID != *v.PinID):
			t.Errorf("comment notification lacks its pin: %+v", v)
		}
	}
	if err := st.MarkNotificationsRead(ctx, me); err != nil {
		t.Fatal(err)
	}
	for _, v := range page(0) {
		if !v.Read {
			t.Errorf("notification %s still unread", v.ID.Hex())
		}
	}
	// Only mine were marked read; a new one is unread again.
	if np, err := st.FindNotifications(ctx, other, store.Page{}); err != nil || np.Unread != 4 {
		t.Errorf("other's unread = %d, %v; want 4", np.Unread, err)
	}
	notify(store.NotifyLike, &p1.ID, me)
	if np, err := st.FindNotifications(ctx, me, store.Page{Limit: 1}); err != nil || np.Unread != 1 || len(np.Items) != 1 || np.Items[0].Read {
		t.Errorf("after a new one: %+v, %d unread, %v", np.Items, np.Unread, err)
	}
	if err := st.MarkNotificationsRead(ctx, me); err != nil { // again: nothing left to mark
		t.Fatal(err)
	}
	wantUnread(t, st, me, 0)
	wantUnread(t, st, other, 4)
}

// wantUnread checks id's unread count, and, where the store reads it
// along with the user (store.SessionUsers), that it reads the same count
// and the user, or ENotFound for no user.
func wantUnread(t *testing.T, st store.Store, id bson.ObjectID, want int64) {
	t.Helper()
	ctx := t.Context()
	if n, err := st.UnreadCount(ctx, id); err != nil || n != want {
		t.Errorf("UnreadCount(%s) = %d, %v; want %d", id.Hex(), n, err, want)
	}
	su, ok := st.(store.SessionUsers)
	if !ok {
		return
	}
	u, n, err := su.FindSessionUser(ctx, id)
	if _, known := st.FindUserByID(ctx, id); known != nil {
		if store.ErrorCode(err) != store.ENotFound {
			t.Errorf("FindSessionUser(%s) of no user: %v, want ENotFound", id.Hex(), err)
		}
		return
	}
	if err != nil || u.ID != id || n != want {
		t.Errorf("FindSessionUser(%s) = %d unread, %v; want the user and %d", id.Hex(), n, err, want)
	}
}

// testToggleNotifiesOnce: liking, unliking and liking again (or the same
// with a follow) notifies the recipient once within store.RenotifyAfter;
// another pin, another actor or a comment is a new notification.
func testToggleNotifiesOnce(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	author, fan, other := newUser(t, st, "auth"), newUser(t, st, "fan"), newUser(t, st, "oth")
	g := newGroup(t, st, author.ID)
	p1, p2 := newPin(t, st, author.ID, g, "one", ""), newPin(t, st, author.ID, g, "two", "")
	count := func(kind string, actor bson.ObjectID, pin *bson.ObjectID, times int) int {
		t.Helper()
		n := 0
		for range times {
			ds, err := st.Notify(ctx, kind, actor, pin, []bson.ObjectID{author.ID})
			if err != nil {
				t.Fatal(err)
			}
			n += len(ds)
		}
		return n
	}
	if n := count(store.NotifyLike, fan.ID, &p1.ID, 10); n != 1 {
		t.Errorf("10 likes of one pin by one fan delivered %d notifications, want 1", n)
	}
	if n := count(store.NotifyFollow, fan.ID, nil, 10); n != 1 {
		t.Errorf("10 follows delivered %d, want 1", n)
	}
	if n := count(store.NotifyLike, fan.ID, &p2.ID, 1) + count(store.NotifyLike, other.ID, &p1.ID, 1); n != 2 {
		t.Errorf("a like of another pin and one by another fan delivered %d, want 2", n)
	}
	if n := count(store.NotifyComment, fan.ID, &p1.ID, 3); n != 3 {
		t.Errorf("3 comments delivered %d, want 3", n)
	}
	np, err := st.FindNotifications(ctx, author.ID, store.Page{})
	if err != nil || np.Unread != 7 {
		t.Errorf("unread = %d, %v; want 7", np.Unread, err)
	}
}
