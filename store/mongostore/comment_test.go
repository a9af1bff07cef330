package mongostore_test

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

func TestCreateComment(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "")
	cases := []struct {
		name, content string
		pin           bson.ObjectID
		code, field   string
	}{
		{"ok", "  좋아요  ", pin.ID, "", ""},
		{"2000 characters", strings.Repeat("글", 2000), pin.ID, "", ""},
		{"blank", " \n\t ", pin.ID, store.EInvalid, "content"},
		{"too long", strings.Repeat("글", 2001), pin.ID, store.EInvalid, "content"},
		{"unknown pin", "hi", bson.NewObjectID(), store.ENotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, p, err := s.CreateComment(ctx, tc.pin, fan, tc.content)
			if tc.field != "" {
				wantField(t, err, tc.field)
				return
			}
			wantCode(t, err, tc.code)
			if tc.code != "" {
				return
			}
			if c.Content != strings.TrimSpace(tc.content) || c.Author.Nickname != "fan" || p.AuthorID != me {
				t.Fatalf("comment %+v pin %+v", c, p)
			}
		})
	}
	got, err := s.FindPin(ctx, pin.ID, bson.NilObjectID)
	if want := recount(t, s, "comments", bson.D{{Key: "pin_id", Value: pin.ID}}); err != nil || got.Counts.Comments != want || want != 2 {
		t.Fatalf("comment count %+v, recount %d, %v", got, want, err)
	}
}

func TestFindCommentsOldestFirst(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me := fixtureUser(t, s, "me")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "")
	var want []bson.ObjectID
	for i := range 25 {
		u := fixtureUser(t, s, "u")
		c, _, err := s.CreateComment(ctx, pin.ID, u, strings.Repeat("x", i+1))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
	}
	var got []store.CommentView
	page := store.Page{Limit: 10}
	for {
		items, next, err := s.FindComments(ctx, pin.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, items...)
		if next == nil {
			break
		}
		page.Cursor = *next
	}
	if len(got) != len(want) {
		t.Fatalf("got %d comments, want %d", len(got), len(want))
	}
	for i, c := range got {
		if c.ID != want[i] || c.Author.Nickname != "u" || c.PinID != pin.ID {
			t.Fatalf("comment %d = %+v", i, c)
		}
	}
	_, _, err := s.FindComments(ctx, bson.NewObjectID(), store.Page{})
	wantCode(t, err, store.ENotFound)
}

func TestDeleteComment(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "p", "")
	c, _, err := s.CreateComment(ctx, pin.ID, fan, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindPin(ctx, pin.ID, bson.NilObjectID); err != nil { // warm pc:<pin>
		t.Fatal(err)
	}
	// The pin's author may not delete someone else's comment either.
	_, err = s.DeleteComment(ctx, c.ID, me)
	wantCode(t, err, store.EForbidden)
	if n := recount(t, s, "comments", bson.D{{Key: "_id", Value: c.ID}}); n != 1 {
		t.Fatal("comment gone after a refused delete")
	}
	_, err = s.DeleteComment(ctx, bson.NewObjectID(), fan)
	wantCode(t, err, store.ENotFound)
	del, err := s.DeleteComment(ctx, c.ID, fan)
	if err != nil || del.ID != c.ID || del.PinID != pin.ID {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = s.DeleteComment(ctx, c.ID, fan)
	wantCode(t, err, store.ENotFound)
	got, err := s.FindPin(ctx, pin.ID, bson.NilObjectID)
	if err != nil || got.Counts.Comments != 0 {
		t.Fatalf("comment count after delete = %+v, %v", got, err)
	}
}
