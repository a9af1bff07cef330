package storetest

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// accountTests: deleting an account removes everything of the user and
// leaves every count shown elsewhere right (docs/API.md §Deletion).
var accountTests = []conformanceTest{
	{"delete account cascades", testDeleteAccount},
	{"store lifecycle", testLifecycle},
}

// world is a small social graph around victim, who is then deleted.
type world struct {
	victim, a, b, c *store.User
	pinA, pinB      bson.ObjectID // others' pins the victim touched
	pinV            bson.ObjectID // the victim's own pin
	groupV          bson.ObjectID
}

// others returns the users who stay.
func (w world) others() []bson.ObjectID { return []bson.ObjectID{w.a.ID, w.b.ID, w.c.ID} }

// buildWorld makes the victim follow a and be followed by b and c (a also
// follows b); the victim likes and bookmarks a's pin, comments twice on
// b's pin, and owns a pin that a liked, bookmarked and commented on;
// notifications go both ways.
func buildWorld(t *testing.T, st store.Store) world {
	t.Helper()
	ctx := t.Context()
	w := world{victim: newUser(t, st, "vic"), a: newUser(t, st, "a"), b: newUser(t, st, "b"), c: newUser(t, st, "c")}
	for _, f := range [][2]*store.User{{w.victim, w.a}, {w.b, w.victim}, {w.c, w.victim}, {w.a, w.b}} {
		mustFollow(t, st, f[0].ID, f[1].ID)
	}
	w.groupV = newGroup(t, st, w.victim.ID)
	w.pinA = newPin(t, st, w.a.ID, newGroup(t, st, w.a.ID), "pa", "").ID
	w.pinB = newPin(t, st, w.b.ID, newGroup(t, st, w.b.ID), "pb", "").ID
	w.pinV = newPin(t, st, w.victim.ID, w.groupV, "pv", "").ID
	type like struct {
		pin  bson.ObjectID
		user *store.User
	}
	for _, l := range []like{{w.pinA, w.victim}, {w.pinV, w.a}} {
		if _, err := st.SetLike(ctx, l.pin, l.user.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetBookmark(ctx, l.pin, l.user.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []like{{w.pinB, w.victim}, {w.pinB, w.victim}, {w.pinV, w.a}, {w.pinB, w.c}} {
		if _, _, err := st.CreateComment(ctx, c.pin, c.user.ID, "nice"); err != nil {
			t.Fatal(err)
		}
	}
	notes := []struct {
		kind  string
		actor *store.User
		pin   *bson.ObjectID
		to    []bson.ObjectID
	}{
		{store.NotifyLike, w.victim, &w.pinA, []bson.ObjectID{w.a.ID}},
		{store.NotifyFollow, w.victim, nil, []bson.ObjectID{w.a.ID}},
		{store.NotifyComment, w.a, &w.pinV, []bson.ObjectID{w.victim.ID}},
		{store.NotifyFollow, w.b, nil, []bson.ObjectID{w.victim.ID, w.a.ID}},
	}
	for _, n := range notes {
		if _, err := st.Notify(ctx, n.kind, n.actor.ID, n.pin, n.to); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.NotifyFollowers(ctx, w.victim.ID, w.pinV); err != nil { // b and c hear of pv
		t.Fatal(err)
	}
	return w
}

// notifications lists every notification of user.
func notifications(t *testing.T, st store.Store, user bson.ObjectID) []store.NotificationView {
	t.Helper()
	all, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.NotificationView, *string, error) {
		np, err := st.FindNotifications(t.Context(), user, p)
		return np.Items, np.Next, err
	})
	return all
}

// wantNothingOf fails if anything of the deleted victim still shows, or a
// count shown for the others differs from its lists.
func wantNothingOf(t *testing.T, st store.Store, w world) {
	t.Helper()
	ctx := t.Context()
	v := w.victim.ID
	_, err := st.FindUserByID(ctx, v)
	wantCode(t, err, store.ENotFound)
	_, err = st.FindProfile(ctx, v, w.a.ID)
	wantCode(t, err, store.ENotFound)
	if cards, err := st.FindCards(ctx, []bson.ObjectID{v, w.a.ID}); err != nil || len(cards) != 1 {
		t.Fatalf("cards = %v, %v; want only a's", cards, err)
	}
	_, err = st.Authenticate(ctx, w.victim.Email, password)
	wantCode(t, err, store.EUnauthorized)
	_, _, err = st.FindFollowers(ctx, v, store.Page{})
	wantCode(t, err, store.ENotFound)
	_, err = st.FindGroup(ctx, w.groupV, v)
	wantCode(t, err, store.ENotFound)
	if groups, err := st.FindGroupsByOwner(ctx, v); store.ErrorCode(err) != store.ENotFound && (err != nil || len(groups) != 0) {
		t.Fatalf("groups of the deleted user = %v, %v", groups, err)
	}
	wantPinGone(t, st, w.pinV, w.others()...)
	_, _, err = st.FindPins(ctx, store.PinQuery{AuthorID: v}, w.a.ID, store.Page{})
	wantCode(t, err, store.ENotFound)
	_, _, err = st.FindUserGroups(ctx, v, w.a.ID, store.Page{})
	wantCode(t, err, store.ENotFound)
	if np, err := st.FindNotifications(ctx, v, store.Page{}); store.ErrorCode(err) != store.ENotFound && (err != nil || len(np.Items) != 0) {
		t.Fatalf("notifications of the deleted user = %v, %v", np.Items, err)
	}
	for _, u := range w.others() {
		for _, list := range [][]bson.ObjectID{followerIDs(t, st, u), followingIDs(t, st, u)} {
			for _, id := range list {
				if id == v {
					t.Fatalf("the deleted user still follows or is followed by %s", u.Hex())
				}
			}
		}
		for _, n := range notifications(t, st, u) {
			if n.ActorID == v || (n.PinID != nil && *n.PinID == w.pinV) {
				t.Fatalf("notification of the deleted user remains: %+v", n)
			}
		}
		wantIDs(t, "bookmarks", bookmarkedIDs(t, st, u), nil)
	}
	comments, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.CommentView, *string, error) {
		return st.FindComments(ctx, w.pinB, p)
	})
	if len(comments) != 1 || comments[0].AuthorID != w.c.ID {
		t.Fatalf("comments on b's pin = %+v, want only c's", comments)
	}
	want := map[bson.ObjectID][3]int64{ // followers, following, pins
		w.a.ID: {0, 1, 1},
		w.b.ID: {1, 0, 1},
		w.c.ID: {0, 0, 0},
	}
	for id, n := range want {
		p := wantProfileRecount(t, st, id)
		if got := [3]int64{p.FollowerCount, p.FollowingCount, p.PinCount}; got != n {
			t.Errorf("profile of %s shows %v, want %v", p.Nickname, got, n)
		}
	}
	for pin, n := range map[bson.ObjectID]store.PinCounts{w.pinA: {}, w.pinB: {Comments: 1}} {
		if c := wantPinRecount(t, st, pin, w.others()); c != n {
			t.Errorf("pin %s shows %+v, want %+v", pin.Hex(), c, n)
		}
	}
	if n, err := st.FollowerCounts(ctx, []bson.ObjectID{w.a.ID, w.b.ID}); err != nil || n[w.a.ID] != 0 || n[w.b.ID] != 1 {
		t.Errorf("FollowerCounts = %v, %v; want a 0, b 1", n, err)
	}
}

func testDeleteAccount(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	w := buildWorld(t, st)
	// Read everything that shows the victim or counts it first, so that
	// a stale copy would show afterwards.
	for _, u := range append(w.others(), w.victim.ID) {
		wantProfileRecount(t, st, u)
		notifications(t, st, u)
	}
	for _, pin := range []bson.ObjectID{w.pinA, w.pinB, w.pinV} {
		wantPinRecount(t, st, pin, append(w.others(), w.victim.ID))
	}
	gridIDs(t, st)

	_, err := st.DeleteUser(ctx, w.victim.ID, "not-the-password")
	wantField(t, err, "password")
	if _, err := st.FindUserByID(ctx, w.victim.ID); err != nil {
		t.Fatalf("a refused deletion removed the user: %v", err)
	}
	del, err := st.DeleteUser(ctx, w.victim.ID, password)
	if err != nil {
		t.Fatal(err)
	}
	wantNothingOf(t, st, w)
	// What it reports: the victim's pin, both comments on b's pin (not
	// a's comment on the victim's pin), and a, the only user it followed.
	wantIDs(t, "deleted pins", del.PinIDs, []bson.ObjectID{w.pinV})
	if len(del.Comments) != 2 || del.Comments[0].PinID != w.pinB || del.Comments[1].PinID != w.pinB ||
		del.Comments[0].ID == del.Comments[1].ID || del.Comments[0].ID.IsZero() || del.Comments[1].ID.IsZero() {
		t.Errorf("deleted comments = %+v, want two on pin b", del.Comments)
	}
	wantIDs(t, "followees", del.Followees, []bson.ObjectID{w.a.ID})
	_, err = st.DeleteUser(ctx, w.victim.ID, password)
	wantCode(t, err, store.ENotFound)
	// The rest of the world goes on.
	if _, _, err := st.Follow(ctx, w.c.ID, w.a.ID); err != nil {
		t.Fatal(err)
	}
	if p := wantProfileRecount(t, st, w.a.ID); p.FollowerCount != 1 {
		t.Fatalf("a after a new follower: %+v", p)
	}
}

// testLifecycle: a fresh store answers, and resuming deletions when none
// was interrupted changes nothing.
func testLifecycle(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	w := buildWorld(t, st)
	for range 2 {
		if err := st.ResumeDeletions(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wantIDs(t, "grid", gridIDs(t, st), []bson.ObjectID{w.pinV, w.pinB, w.pinA})
	if p := wantProfileRecount(t, st, w.victim.ID); p.FollowerCount != 2 || p.FollowingCount != 1 || p.PinCount != 1 {
		t.Fatalf("victim's profile = %+v", p)
	}
	if c := wantPinRecount(t, st, w.pinV, w.others()); c != (store.PinCounts{Likes: 1, Bookmarks: 1, Comments: 1}) {
		t.Fatalf("pv counts = %+v", c)
	}
}
