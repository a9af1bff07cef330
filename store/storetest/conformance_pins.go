package storetest

import (
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// pinTests: pins are validated, edited and deleted by their author only,
// and deleting one removes everything hanging from it (docs/API.md §Pins,
// §Deletion); the feed shows followees' pins.
var pinTests = []conformanceTest{
	{"create validation", testCreatePinValidation},
	{"update", testUpdatePin},
	{"delete only by the author", testDeletePinOwnerOnly},
	{"delete cascades", testDeletePinCascade},
	{"feed", testFeed},
	{"lists stay fresh", testListsStayFresh},
}

func testCreatePinValidation(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me")
	other := newUser(t, st, "other").ID
	mine, theirs := newGroup(t, st, me.ID), newGroup(t, st, other)
	cases := []struct {
		name, title, content string
		group                bson.ObjectID
		img                  store.ImageRef
		field                string // "" = accepted
	}{
		{"ok, 50 Hangul characters", strings.Repeat("한", 50), strings.Repeat("글", 5000), mine, image, ""},
		{"title missing", "  ", "", mine, image, "title"},
		{"title too long", strings.Repeat("한", 51), "", mine, image, "title"},
		{"content too long", "t", strings.Repeat("x", 5001), mine, image, "content"},
		{"image missing", "t", "", mine, store.ImageRef{}, "image"},
		{"group missing", "t", "", bson.NilObjectID, image, "group_id"},
		{"someone else's group", "t", "", theirs, image, "group_id"},
		{"unknown group", "t", "", bson.NewObjectID(), image, "group_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := st.CreatePin(ctx, me.ID, store.PinInput{Title: tc.title, Content: tc.content, GroupID: tc.group}, tc.img)
			if tc.field != "" {
				wantField(t, err, tc.field)
				return
			}
			wantCode(t, err, "")
			if p.AuthorID != me.ID || p.Author.ID != me.ID || p.Author.Nickname != me.Nickname || p.GroupID != mine ||
				p.Title != tc.title || p.Content != tc.content || p.Image != tc.img || p.CreatedAt.IsZero() {
				t.Fatalf("pin = %+v", p)
			}
		})
	}
	// Only the accepted pin exists, in my group, counted once.
	wantIDs(t, "grid", gridIDs(t, st), authorPinIDs(t, st, me.ID))
	if p := wantProfileRecount(t, st, me.ID); p.PinCount != 1 {
		t.Fatalf("profile = %+v, want 1 pin", p)
	}
	if g, err := st.FindGroup(ctx, theirs, other); err != nil || g.PinCount != 0 {
		t.Fatalf("their group = %+v, %v", g, err)
	}
}

func testUpdatePin(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, other := newUser(t, st, "me").ID, newUser(t, st, "other").ID
	g1, g2, theirs := newGroup(t, st, me), newGroup(t, st, me), newGroup(t, st, other)
	p := newPin(t, st, me, g1, "old", "text")
	str := func(v string) *string { return &v }
	zero := store.ImageRef{}
	unknown := bson.NewObjectID()
	if _, err := st.FindPin(ctx, p.ID, bson.NilObjectID); err != nil { // read first: no stale copy may stay
		t.Fatal(err)
	}
	refused := []struct {
		name  string
		patch store.PinPatch
		field string
	}{
		{"empty title", store.PinPatch{Title: str(" ")}, "title"},
		{"long title", store.PinPatch{Title: str(strings.Repeat("a", 51))}, "title"},
		{"long content", store.PinPatch{Content: str(strings.Repeat("a", 5001))}, "content"},
		{"zero image", store.PinPatch{Image: &zero}, "image"},
		{"someone else's group", store.PinPatch{GroupID: &theirs}, "group_id"},
		{"unknown group", store.PinPatch{GroupID: &unknown}, "group_id"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.UpdatePin(ctx, p.ID, me, tc.patch)
			wantField(t, err, tc.field)
		})
	}
	_, err := st.UpdatePin(ctx, p.ID, other, store.PinPatch{Title: str("hijack")})
	wantCode(t, err, store.EForbidden)
	_, err = st.UpdatePin(ctx, bson.NewObjectID(), me, store.PinPatch{Title: str("x")})
	wantCode(t, err, store.ENotFound)
	got, err := st.FindPin(ctx, p.ID, bson.NilObjectID)
	if err != nil || got.Title != "old" || got.Content != "text" || got.GroupID != g1 || got.Image != image {
		t.Fatalf("after refused updates: %+v, %v", got, err)
	}

	up, err := st.UpdatePin(ctx, p.ID, me, store.PinPatch{Title: str(" new "), GroupID: &g2})
	if err != nil || up.Title != "new" || up.Content != "text" || up.GroupID != g2 || up.Image != image {
		t.Fatalf("update = %+v, %v", up, err)
	}
	got, err = st.FindPin(ctx, p.ID, bson.NilObjectID)
	if err != nil || got.Title != "new" || got.GroupID != g2 || got.ID != p.ID || got.AuthorID != me {
		t.Fatalf("read after update = %+v, %v", got, err)
	}
	if got.UpdatedAt.Before(p.UpdatedAt) {
		t.Fatalf("updated_at went back: %v -> %v", p.UpdatedAt, got.UpdatedAt)
	}
	wantIDs(t, "old group", groupPinIDs(t, st, g1, me), nil)
	wantIDs(t, "new group", groupPinIDs(t, st, g2, me), []bson.ObjectID{p.ID})
	wantGroupRecount(t, st, me)

	img := store.ImageRef{Key: "new", Ext: "jpg", Width: 3, Height: 4}
	if up, err := st.UpdatePin(ctx, p.ID, me, store.PinPatch{Image: &img, Content: str("")}); err != nil || up.Image != img || up.Content != "" || up.Title != "new" {
		t.Fatalf("new image = %+v, %v", up, err)
	}
	if got, err := st.FindPin(ctx, p.ID, other); err != nil || got.Image != img {
		t.Fatalf("read after image change = %+v, %v", got, err)
	}
}

func testDeletePinOwnerOnly(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, other := newUser(t, st, "me").ID, newUser(t, st, "other").ID
	p := newPin(t, st, me, newGroup(t, st, me), "mine", "")
	wantCode(t, st.DeletePin(ctx, p.ID, other), store.EForbidden)
	wantCode(t, st.DeletePin(ctx, bson.NewObjectID(), me), store.ENotFound)
	if _, err := st.FindPin(ctx, p.ID, other); err != nil {
		t.Fatalf("pin gone after a refused delete: %v", err)
	}
	wantCode(t, st.DeletePin(ctx, p.ID, me), "")
	wantCode(t, st.DeletePin(ctx, p.ID, me), store.ENotFound)
}

// seedChildren gives pin (of author) a comment, a like and a bookmark by
// fan, and notifies author of the like.
func seedChildren(t *testing.T, st store.Store, pin, author, fan bson.ObjectID) {
	t.Helper()
	ctx := t.Context()
	if _, _, err := st.CreateComment(ctx, pin, fan, "nice"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetLike(ctx, pin, fan, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetBookmark(ctx, pin, fan, true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Notify(ctx, store.NotifyLike, fan, &pin, []bson.ObjectID{author}); err != nil {
		t.Fatal(err)
	}
}

// wantPinGone fails if pin, or anything hanging from it, still shows to
// any of users: the pin itself, its comments, their likes, bookmarks and
// notifications about it.
func wantPinGone(t *testing.T, st store.Store, pin bson.ObjectID, users ...bson.ObjectID) {
	t.Helper()
	ctx := t.Context()
	_, err := st.FindPin(ctx, pin, bson.NilObjectID)
	wantCode(t, err, store.ENotFound)
	_, _, err = st.FindComments(ctx, pin, store.Page{})
	wantCode(t, err, store.ENotFound)
	if slices.Contains(gridIDs(t, st), pin) {
		t.Fatal("deleted pin still in the grid")
	}
	for _, u := range users {
		_, err := st.FindPin(ctx, pin, u)
		wantCode(t, err, store.ENotFound)
		_, err = st.SetLike(ctx, pin, u, false)
		wantCode(t, err, store.ENotFound)
		_, _, err = st.CreateComment(ctx, pin, u, "late")
		wantCode(t, err, store.ENotFound)
		if slices.Contains(bookmarkedIDs(t, st, u), pin) {
			t.Fatal("deleted pin still bookmarked")
		}
		if slices.Contains(authorPinIDs(t, st, u), pin) {
			t.Fatal("deleted pin still on its author's profile")
		}
		notes, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.NotificationView, *string, error) {
			np, err := st.FindNotifications(ctx, u, p)
			return np.Items, np.Next, err
		})
		for _, n := range notes {
			if n.PinID != nil && *n.PinID == pin {
				t.Fatalf("notification about the deleted pin remains: %+v", n)
			}
		}
	}
}

func testDeletePinCascade(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan").ID
	g := newGroup(t, st, me)
	gone := newPin(t, st, me, g, "gone", "")
	kept := newPin(t, st, me, g, "kept", "")
	seedChildren(t, st, gone.ID, me, fan)
	seedChildren(t, st, kept.ID, me, fan)
	// Read everything that shows the pin or its counts first, so that a
	// stale copy would show afterwards.
	wantProfileRecount(t, st, me)
	wantGroupRecount(t, st, me)
	gridIDs(t, st)
	bookmarkedIDs(t, st, fan)
	if np, err := st.FindNotifications(ctx, me, store.Page{}); err != nil || np.Unread != 2 {
		t.Fatalf("before: %d unread, %v", np.Unread, err)
	}

	if err := st.DeletePin(ctx, gone.ID, me); err != nil {
		t.Fatal(err)
	}
	wantPinGone(t, st, gone.ID, me, fan)
	if p := wantProfileRecount(t, st, me); p.PinCount != 1 {
		t.Fatalf("profile = %+v, want 1 pin", p)
	}
	if groups := wantGroupRecount(t, st, me); groups[0].PinCount != 1 {
		t.Fatalf("group = %+v, want 1 pin", groups[0])
	}
	items, _, err := st.FindPins(ctx, store.PinQuery{}, fan, store.Page{})
	if err != nil || len(items) != 1 || items[0].ID != kept.ID {
		t.Fatalf("grid after delete = %d items, %v", len(items), err)
	}
	if c := items[0].Counts; c != (store.PinCounts{Likes: 1, Bookmarks: 1, Comments: 1}) || !items[0].LikedByMe || !items[0].BookmarkedByMe {
		t.Fatalf("kept pin = %+v", items[0])
	}
	wantPinRecount(t, st, kept.ID, []bson.ObjectID{me, fan})
	wantIDs(t, "bookmarks", bookmarkedIDs(t, st, fan), []bson.ObjectID{kept.ID})
	if np, err := st.FindNotifications(ctx, me, store.Page{}); err != nil || np.Unread != 1 || len(np.Items) != 1 {
		t.Fatalf("after: %d notifications, %d unread, %v; want 1 and 1", len(np.Items), np.Unread, err)
	}
}

// testFeed: the feed holds the pins of the people the user follows,
// newest first, in pages; not theirs, not strangers'.
func testFeed(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, stranger := newUser(t, st, "me").ID, newUser(t, st, "str").ID
	followed := newUsers(t, st, "fol", 3)
	groups := map[bson.ObjectID]bson.ObjectID{}
	for _, u := range append([]bson.ObjectID{me, stranger}, followed...) {
		groups[u] = newGroup(t, st, u)
	}
	var want, rest []bson.ObjectID // rest: without followed[0]'s pins
	for i := range 9 {
		f := followed[i%3]
		p := newPin(t, st, f, groups[f], "yes", "").ID
		want = append([]bson.ObjectID{p}, want...)
		if f != followed[0] {
			rest = append([]bson.ObjectID{p}, rest...)
		}
		if i%4 == 0 {
			newPin(t, st, stranger, groups[stranger], "no", "")
			newPin(t, st, me, groups[me], "mine", "")
		}
	}
	feed := func() []bson.ObjectID {
		t.Helper()
		pins, _ := allPages(t, 4, func(p store.Page) ([]store.PinView, *string, error) { return st.FindFeed(ctx, me, p) })
		return ids(pins, pinID)
	}
	wantIDs(t, "feed without follows", feed(), nil)
	for _, f := range followed {
		mustFollow(t, st, me, f)
	}
	wantIDs(t, "feed", feed(), want)
	if _, err := st.Unfollow(ctx, me, followed[0]); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "feed after unfollow", feed(), rest)
	_, _, err := st.FindFeed(ctx, me, store.Page{Cursor: "bogus"})
	wantCode(t, err, store.EMalformed)
}

// testListsStayFresh: every write shows on the very next read of every
// list it changes (a store may cache first pages; it must not serve them
// stale).
func testListsStayFresh(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan").ID
	first := func(q store.PinQuery) []store.PinView {
		t.Helper()
		items, _, err := st.FindPins(ctx, q, bson.NilObjectID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	mine := store.PinQuery{AuthorID: me}
	if len(first(store.PinQuery{})) != 0 || len(first(mine)) != 0 {
		t.Fatal("an empty store lists pins")
	}
	g := newGroup(t, st, me)
	p1 := newPin(t, st, me, g, "one", "")
	for _, q := range []store.PinQuery{{}, mine} {
		if items := first(q); len(items) != 1 || items[0].ID != p1.ID {
			t.Fatalf("after create: %+v", items)
		}
	}
	title := "renamed"
	if _, err := st.UpdatePin(ctx, p1.ID, me, store.PinPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if items := first(store.PinQuery{}); items[0].Title != title {
		t.Fatalf("after update: %q", items[0].Title)
	}
	if _, err := st.SetLike(ctx, p1.ID, fan, true); err != nil {
		t.Fatal(err)
	}
	if items := first(store.PinQuery{}); items[0].Counts.Likes != 1 {
		t.Fatalf("after like: %+v", items[0].Counts)
	}

	// A pin's first page of comments.
	if n := len(commentIDs(t, st, p1.ID)); n != 0 {
		t.Fatalf("%d comments on a new pin", n)
	}
	c, _, err := st.CreateComment(ctx, p1.ID, fan, "hello")
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "comments after create", commentIDs(t, st, p1.ID), []bson.ObjectID{c.ID})
	if _, err := st.DeleteComment(ctx, c.ID, fan); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "comments after delete", commentIDs(t, st, p1.ID), nil)

	// An owner's groups.
	second := newGroup(t, st, me)
	if groups := wantGroupRecount(t, st, me); len(groups) != 2 {
		t.Fatalf("after create: %d groups", len(groups))
	}
	if _, err := st.UpdateGroup(ctx, second, me, store.GroupPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if groups := wantGroupRecount(t, st, me); groups[0].Title != title {
		t.Fatalf("after group update: %q", groups[0].Title)
	}
	extra := newPin(t, st, me, second, "q", "")
	if n := len(first(mine)); n != 2 {
		t.Fatalf("after second pin: %d pins by author", n)
	}
	if err := st.DeletePin(ctx, extra.ID, me); err != nil {
		t.Fatal(err)
	}
	if n := len(first(mine)); n != 1 {
		t.Fatalf("after delete: %d pins by author", n)
	}
	if _, err := st.DeleteGroup(ctx, g, me); err != nil {
		t.Fatal(err)
	}
	if groups := wantGroupRecount(t, st, me); len(groups) != 1 || groups[0].ID != second {
		t.Fatalf("after group delete: %+v", groups)
	}
	// The deleted group took the first pin with it.
	if len(first(mine)) != 0 || len(first(store.PinQuery{})) != 0 {
		t.Fatal("pins of a deleted group still listed")
	}
}
