package storetest

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// commentTests: comments are 1–2000 characters, listed oldest first, and
// deleted only by their author (docs/API.md §Comments).
var commentTests = []conformanceTest{
	{"create validation and count", testCreateComment},
	{"oldest first pages", testCommentPages},
	{"only the author deletes", testDeleteComment},
}

func testCreateComment(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan")
	pin := newPin(t, st, me, newGroup(t, st, me), "p", "")
	wantPinRecount(t, st, pin.ID, nil) // read first: no stale count may stay
	cases := []struct {
		name, content string
		pin           bson.ObjectID
		code, field   string
	}{
		{"ok, trimmed", "  좋아요  ", pin.ID, "", ""},
		{"2000 characters", strings.Repeat("글", 2000), pin.ID, "", ""},
		{"one character", "x", pin.ID, "", ""},
		{"empty", "", pin.ID, store.EInvalid, "content"},
		{"blank", " \n\t ", pin.ID, store.EInvalid, "content"},
		{"too long", strings.Repeat("글", 2001), pin.ID, store.EInvalid, "content"},
		{"unknown pin", "hi", bson.NewObjectID(), store.ENotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p, err := st.CreateComment(ctx, tc.pin, fan.ID, tc.content)
			if tc.field != "" {
				wantField(t, err, tc.field)
				return
			}
			wantCode(t, err, tc.code)
			if tc.code != "" {
				return
			}
			if c.Content != strings.TrimSpace(tc.content) || c.AuthorID != fan.ID || c.Author.Nickname != fan.Nickname ||
				c.PinID != pin.ID || c.ID.IsZero() || c.CreatedAt.IsZero() || p == nil || p.ID != pin.ID || p.AuthorID != me {
				t.Fatalf("comment %+v, pin %+v", c, p)
			}
		})
	}
	if c := wantPinRecount(t, st, pin.ID, nil); c.Comments != 3 {
		t.Fatalf("comment count = %d, want 3", c.Comments)
	}
	// The pin's author may comment too.
	if _, _, err := st.CreateComment(ctx, pin.ID, me, "thanks"); err != nil {
		t.Fatal(err)
	}
	if c := wantPinRecount(t, st, pin.ID, nil); c.Comments != 4 {
		t.Fatalf("comment count = %d, want 4", c.Comments)
	}
}

func testCommentPages(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	pin := newPin(t, st, me, newGroup(t, st, me), "p", "")
	other := newPin(t, st, me, newGroup(t, st, me), "other", "")
	users := newUsers(t, st, "u", 5)
	var want []bson.ObjectID
	for i := range 25 {
		c, _, err := st.CreateComment(ctx, pin.ID, users[i%5], strings.Repeat("x", i+1))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
		if i%5 == 0 {
			if _, _, err := st.CreateComment(ctx, other.ID, users[i%5], "elsewhere"); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, sizes := allPages(t, 10, func(p store.Page) ([]store.CommentView, *string, error) {
		return st.FindComments(ctx, pin.ID, p)
	})
	wantIDs(t, "comments", ids(got, commentID), want)
	if len(sizes) != 3 {
		t.Errorf("page sizes = %v, want 3 pages", sizes)
	}
	for i, c := range got {
		if c.Author.ID != users[i%5] || !strings.HasPrefix(c.Author.Nickname, "u") || c.PinID != pin.ID || len(c.Content) != i+1 {
			t.Fatalf("comment %d = %+v", i, c)
		}
	}
	_, _, err := st.FindComments(ctx, bson.NewObjectID(), store.Page{})
	wantCode(t, err, store.ENotFound)
}

func testDeleteComment(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan").ID
	pin := newPin(t, st, me, newGroup(t, st, me), "p", "")
	c, _, err := st.CreateComment(ctx, pin.ID, fan, "hello")
	if err != nil {
		t.Fatal(err)
	}
	keep, _, err := st.CreateComment(ctx, pin.ID, me, "thanks")
	if err != nil {
		t.Fatal(err)
	}
	wantPinRecount(t, st, pin.ID, nil) // read first: no stale count may stay
	// The pin's author may not delete someone else's comment either.
	_, err = st.DeleteComment(ctx, c.ID, me)
	wantCode(t, err, store.EForbidden)
	wantIDs(t, "after a refused delete", commentIDs(t, st, pin.ID), []bson.ObjectID{c.ID, keep.ID})
	_, err = st.DeleteComment(ctx, bson.NewObjectID(), fan)
	wantCode(t, err, store.ENotFound)
	del, err := st.DeleteComment(ctx, c.ID, fan)
	if err != nil || del.ID != c.ID || del.PinID != pin.ID || del.AuthorID != fan {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = st.DeleteComment(ctx, c.ID, fan)
	wantCode(t, err, store.ENotFound)
	wantIDs(t, "after delete", commentIDs(t, st, pin.ID), []bson.ObjectID{keep.ID})
	if n := wantPinRecount(t, st, pin.ID, nil); n.Comments != 1 {
		t.Fatalf("comment count after delete = %d, want 1", n.Comments)
	}
}
