package mongostore_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

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

// wantCode fails unless err carries code ("" means no error).
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	switch {
	case code == "" && err != nil:
		tb.Fatalf("unexpected error: %v", err)
	case code != "" && store.ErrorCode(err) != code:
		tb.Fatalf("error = %v, want code %s", err, code)
	}
}

// wantField fails unless err is EInvalid naming field.
func wantField(tb testing.TB, err error, field string) {
	tb.Helper()
	e, ok := err.(*store.Error)
	if !ok || e.Code != store.EInvalid || e.Fields[field] == "" {
		tb.Fatalf("error = %v, want invalid field %s", err, field)
	}
}

func TestCreatePinValidation(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, other := fixtureUser(t, s, "me"), fixtureUser(t, s, "other")
	mine, theirs := fixtureGroup(t, s, me), fixtureGroup(t, s, other)
	dying := fixtureGroup(t, s, me)
	if _, err := s.Database().Collection("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: dying}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, title, content string
		group                bson.ObjectID
		img                  store.ImageRef
		field                string // "" = accepted
	}{
		{"ok, 50 Hangul characters", strings.Repeat("한", 50), strings.Repeat("글", 5000), mine, fixtureImage, ""},
		{"title missing", "  ", "", mine, fixtureImage, "title"},
		{"title too long", strings.Repeat("한", 51), "", mine, fixtureImage, "title"},
		{"content too long", "t", strings.Repeat("x", 5001), mine, fixtureImage, "content"},
		{"image missing", "t", "", mine, store.ImageRef{}, "image"},
		{"group missing", "t", "", bson.NilObjectID, fixtureImage, "group_id"},
		{"someone else's group", "t", "", theirs, fixtureImage, "group_id"},
		{"unknown group", "t", "", bson.NewObjectID(), fixtureImage, "group_id"},
		{"group being deleted", "t", "", dying, fixtureImage, "group_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := recount(t, s, "pins", bson.D{})
			p, err := s.CreatePin(ctx, me, store.PinInput{Title: tc.title, Content: tc.content, GroupID: tc.group}, tc.img)
			if tc.field == "" {
				wantCode(t, err, "")
				if p.Author.ID != me || p.Author.Nickname != "me" || p.GroupID != mine {
					t.Fatalf("pin = %+v", p)
				}
				return
			}
			wantField(t, err, tc.field)
			if after := recount(t, s, "pins", bson.D{}); after != before {
				t.Fatalf("pins %d -> %d after a refused create", before, after)
			}
		})
	}
}

func TestUpdatePin(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, other := fixtureUser(t, s, "me"), fixtureUser(t, s, "other")
	g1, g2, theirs := fixtureGroup(t, s, me), fixtureGroup(t, s, me), fixtureGroup(t, s, other)
	p := fixturePin(t, s, me, g1, "old", "text")
	str := func(v string) *string { return &v }
	zero := store.ImageRef{}

	if _, err := s.FindPin(ctx, p.ID, bson.NilObjectID); err != nil { // warm pin:<id>
		t.Fatal(err)
	}
	refused := []struct {
		name  string
		patch store.PinPatch
		field string
	}{
		{"empty title", store.PinPatch{Title: str("")}, "title"},
		{"long title", store.PinPatch{Title: str(strings.Repeat("a", 51))}, "title"},
		{"long content", store.PinPatch{Content: str(strings.Repeat("a", 5001))}, "content"},
		{"zero image", store.PinPatch{Image: &zero}, "image"},
		{"foreign group", store.PinPatch{GroupID: &theirs}, "group_id"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdatePin(ctx, p.ID, me, tc.patch)
			wantField(t, err, tc.field)
		})
	}
	_, err := s.UpdatePin(ctx, p.ID, other, store.PinPatch{Title: str("hijack")})
	wantCode(t, err, store.EForbidden)
	_, err = s.UpdatePin(ctx, bson.NewObjectID(), me, store.PinPatch{Title: str("x")})
	wantCode(t, err, store.ENotFound)
	got, err := s.FindPin(ctx, p.ID, bson.NilObjectID)
	if err != nil || got.Title != "old" || got.GroupID != g1 {
		t.Fatalf("after refused updates: %+v, %v", got, err)
	}

	up, err := s.UpdatePin(ctx, p.ID, me, store.PinPatch{Title: str(" new "), GroupID: &g2})
	if err != nil || up.Title != "new" || up.Content != "text" || up.GroupID != g2 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	got, err = s.FindPin(ctx, p.ID, bson.NilObjectID)
	if err != nil || got.Title != "new" || got.GroupID != g2 {
		t.Fatalf("read after update = %+v, %v (stale cache?)", got, err)
	}
	for g, want := range map[bson.ObjectID]int64{g1: 0, g2: 1} {
		gv, err := s.FindGroup(ctx, g, me)
		if err != nil || gv.PinCount != want {
			t.Fatalf("group pin count = %+v, %v; want %d", gv, err, want)
		}
	}
}

func TestDeletePinForeignAndUnknown(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, other := fixtureUser(t, s, "me"), fixtureUser(t, s, "other")
	p := fixturePin(t, s, me, fixtureGroup(t, s, me), "mine", "")
	wantCode(t, s.DeletePin(ctx, p.ID, other), store.EForbidden)
	wantCode(t, s.DeletePin(ctx, bson.NewObjectID(), me), store.ENotFound)
	if _, err := s.FindPin(ctx, p.ID, other); err != nil {
		t.Fatalf("pin gone after a refused delete: %v", err)
	}
}

func TestFindPinsPagination(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	viewer := fixtureUser(t, s, "viewer")
	var authors []bson.ObjectID
	var groups []bson.ObjectID
	for range 5 {
		a := fixtureUser(t, s, "author")
		authors = append(authors, a)
		groups = append(groups, fixtureGroup(t, s, a))
	}
	for i := range 60 {
		fixturePin(t, s, authors[i%5], groups[i%5], "pin", "")
	}
	for _, v := range []bson.ObjectID{bson.NilObjectID, viewer} {
		seen := map[bson.ObjectID]bool{}
		var last bson.ObjectID
		page := store.Page{Limit: 7}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			items, next, err := s.FindPins(ctx, store.PinQuery{}, v, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if seen[it.ID] {
					t.Fatalf("duplicate %s", it.ID.Hex())
				}
				if !last.IsZero() && it.ID.Hex() >= last.Hex() {
					t.Fatal("not newest first")
				}
				seen[it.ID], last = true, it.ID
			}
			if next == nil {
				break
			}
			if len(items) != 7 {
				t.Fatalf("short page of %d with a next cursor", len(items))
			}
			page.Cursor = *next
		}
		if len(seen) != 60 {
			t.Fatalf("saw %d pins, want 60", len(seen))
		}
	}
}

func TestFindPinsMalformedCursor(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	for _, c := range []string{"garbage!", base64.RawURLEncoding.EncodeToString([]byte("c1.nothex")), "YWJj"} {
		_, _, err := s.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{Cursor: c})
		wantCode(t, err, store.EMalformed)
		_, _, err = s.FindComments(ctx, bson.NewObjectID(), store.Page{Cursor: c})
		wantCode(t, err, store.EMalformed)
	}
}

func TestFindPinsSearch(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	a, b := fixtureUser(t, s, "a"), fixtureUser(t, s, "b")
	ga, gb := fixtureGroup(t, s, a), fixtureGroup(t, s, b)
	literal := fixturePin(t, s, a, ga, "regex .* here", "")
	hangul := fixturePin(t, s, a, ga, "서울 여행", "")
	latin := fixturePin(t, s, b, gb, "plain", "Trip to SEOUL in spring")
	fixturePin(t, s, b, gb, "other", "nothing")
	cases := []struct {
		name string
		q    store.PinQuery
		want []bson.ObjectID
	}{
		{"dot star is literal", store.PinQuery{Query: ".*"}, []bson.ObjectID{literal.ID}},
		{"hangul", store.PinQuery{Query: "서울"}, []bson.ObjectID{hangul.ID}},
		{"case-insensitive content", store.PinQuery{Query: "seoul"}, []bson.ObjectID{latin.ID}},
		{"no match", store.PinQuery{Query: "(x"}, nil},
		{"one author", store.PinQuery{AuthorID: a}, []bson.ObjectID{hangul.ID, literal.ID}},
		{"author and query", store.PinQuery{AuthorID: b, Query: "SPRING"}, []bson.ObjectID{latin.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, next, err := s.FindPins(ctx, tc.q, bson.NilObjectID, store.Page{})
			if err != nil || next != nil {
				t.Fatalf("err %v next %v", err, next)
			}
			if len(items) != len(tc.want) {
				t.Fatalf("got %d items, want %d", len(items), len(tc.want))
			}
			for i, it := range items {
				if it.ID != tc.want[i] {
					t.Fatalf("item %d = %q", i, it.Title)
				}
			}
		})
	}
}

func TestFindFeed(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, followed, stranger := fixtureUser(t, s, "me"), fixtureUser(t, s, "followed"), fixtureUser(t, s, "stranger")
	want := fixturePin(t, s, followed, fixtureGroup(t, s, followed), "yes", "")
	fixturePin(t, s, stranger, fixtureGroup(t, s, stranger), "no", "")
	fixturePin(t, s, me, fixtureGroup(t, s, me), "mine", "")

	items, _, err := s.FindFeed(ctx, me, store.Page{})
	if err != nil || len(items) != 0 {
		t.Fatalf("feed without follows = %d items, %v", len(items), err)
	}
	if _, err := s.Database().Collection("follows").InsertOne(ctx, bson.D{
		{Key: "follower_id", Value: me}, {Key: "followee_id", Value: followed}, {Key: "created_at", Value: time.Now()},
	}); err != nil {
		t.Fatal(err)
	}
	items, next, err := s.FindFeed(ctx, me, store.Page{})
	if err != nil || next != nil || len(items) != 1 || items[0].ID != want.ID {
		t.Fatalf("feed = %+v, %v", items, err)
	}
}

// TestFirstPageStaysFresh checks the cached anonymous first page against
// every write that changes it.
func TestFirstPageStaysFresh(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	g := fixtureGroup(t, s, me)
	first := func() []store.PinView {
		t.Helper()
		items, _, err := s.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	if len(first()) != 0 {
		t.Fatal("empty store lists pins")
	}
	p1 := fixturePin(t, s, me, g, "one", "")
	if items := first(); len(items) != 1 || items[0].ID != p1.ID {
		t.Fatalf("after create: %+v", items)
	}
	title := "renamed"
	if _, err := s.UpdatePin(ctx, p1.ID, me, store.PinPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if items := first(); items[0].Title != "renamed" {
		t.Fatalf("after update: %q", items[0].Title)
	}
	if _, _, _, err := s.SetLike(ctx, p1.ID, fan, true); err != nil {
		t.Fatal(err)
	}
	if items := first(); items[0].Counts.Likes != 1 {
		t.Fatalf("after like: %+v", items[0].Counts)
	}
	if err := s.DeletePin(ctx, p1.ID, me); err != nil {
		t.Fatal(err)
	}
	if items := first(); len(items) != 0 {
		t.Fatalf("after delete: %d items", len(items))
	}
}
