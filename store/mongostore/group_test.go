package mongostore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

func TestGroupValidation(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me := fixtureUser(t, s, "me")
	cases := []struct {
		name, title, content string
		img                  store.ImageRef
		field                string
	}{
		{"ok", strings.Repeat("판", 50), strings.Repeat("x", 5000), fixtureImage, ""},
		{"title missing", " ", "", fixtureImage, "title"},
		{"title too long", strings.Repeat("판", 51), "", fixtureImage, "title"},
		{"content too long", "t", strings.Repeat("x", 5001), fixtureImage, "content"},
		{"image missing", "t", "", store.ImageRef{}, "image"},
	}
	for _, tc := range cases {
		t.Run("create "+tc.name, func(t *testing.T) {
			g, err := s.CreateGroup(ctx, me, store.GroupInput{Title: tc.title, Content: tc.content}, tc.img)
			if tc.field == "" {
				if err != nil || g.OwnerID != me || g.PinCount != 0 {
					t.Fatalf("group = %+v, %v", g, err)
				}
				return
			}
			wantField(t, err, tc.field)
		})
	}
	g := fixtureGroup(t, s, me)
	for _, tc := range cases[1:] {
		t.Run("update "+tc.name, func(t *testing.T) {
			title, content := tc.title, tc.content
			img := tc.img
			_, err := s.UpdateGroup(ctx, g, me, store.GroupPatch{Title: &title, Content: &content, Image: &img})
			wantField(t, err, tc.field)
		})
	}
	title := "renamed"
	up, err := s.UpdateGroup(ctx, g, me, store.GroupPatch{Title: &title})
	if err != nil || up.Title != "renamed" || up.Image != fixtureImage {
		t.Fatalf("update = %+v, %v", up, err)
	}
}

func TestGroupsArePrivate(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, other := fixtureUser(t, s, "me"), fixtureUser(t, s, "other")
	g := fixtureGroup(t, s, me)
	fixturePin(t, s, me, g, "p", "")
	title := "hijack"
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"find", func() error { _, err := s.FindGroup(ctx, g, other); return err }, store.EForbidden},
		{"find anonymous", func() error { _, err := s.FindGroup(ctx, g, bson.NilObjectID); return err }, store.EForbidden},
		{"pins", func() error { _, _, err := s.FindGroupPins(ctx, g, other, store.Page{}); return err }, store.EForbidden},
		{"update", func() error { _, err := s.UpdateGroup(ctx, g, other, store.GroupPatch{Title: &title}); return err }, store.EForbidden},
		{"delete", func() error { _, err := s.DeleteGroup(ctx, g, other); return err }, store.EForbidden},
		{"unknown", func() error { _, err := s.FindGroup(ctx, bson.NewObjectID(), me); return err }, store.ENotFound},
		{"delete unknown", func() error { _, err := s.DeleteGroup(ctx, bson.NewObjectID(), me); return err }, store.ENotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
	got, err := s.FindGroup(ctx, g, me)
	if err != nil || got.Title != "board" || got.PinCount != 1 {
		t.Fatalf("group after refused writes = %+v, %v", got, err)
	}
	pins, _, err := s.FindGroupPins(ctx, g, me, store.Page{})
	if err != nil || len(pins) != 1 {
		t.Fatalf("owner's group pins = %d, %v", len(pins), err)
	}
}

func TestFindGroupsByOwnerCounts(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me := fixtureUser(t, s, "me")
	g1, g2 := fixtureGroup(t, s, me), fixtureGroup(t, s, me)
	fixtureGroup(t, s, fixtureUser(t, s, "other"))
	check := func() {
		t.Helper()
		groups, err := s.FindGroupsByOwner(ctx, me)
		if err != nil || len(groups) != 2 || groups[0].ID != g2 {
			t.Fatalf("groups = %+v, %v", groups, err)
		}
		for _, g := range groups {
			want := recount(t, s, "pins", bson.D{{Key: "group_id", Value: g.ID}})
			if g.PinCount != want {
				t.Fatalf("group %s pin count %d, recount %d", g.Title, g.PinCount, want)
			}
		}
	}
	check()
	p := fixturePin(t, s, me, g1, "a", "")
	fixturePin(t, s, me, g1, "b", "")
	check()
	if _, err := s.UpdatePin(ctx, p.ID, me, store.PinPatch{GroupID: &g2}); err != nil {
		t.Fatal(err)
	}
	check()
	if err := s.DeletePin(ctx, p.ID, me); err != nil {
		t.Fatal(err)
	}
	check()
}

// seedChildren gives pin a comment, like, bookmark and notification from fan.
func seedChildren(t *testing.T, s *mongostore.Store, pin, author, fan bson.ObjectID) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.CreateComment(ctx, pin, fan, "nice"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.SetLike(ctx, pin, fan, true); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.SetBookmark(ctx, pin, fan, true); err != nil {
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

func TestDeletePinCascade(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	g := fixtureGroup(t, s, me)
	gone := fixturePin(t, s, me, g, "gone", "")
	kept := fixturePin(t, s, me, g, "kept", "")
	seedChildren(t, s, gone.ID, me, fan)
	seedChildren(t, s, kept.ID, me, fan)
	// Warm every cache that shows the pin or its counts.
	if _, err := s.FindProfile(ctx, me, bson.NilObjectID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FindPins(ctx, store.PinQuery{}, fan, store.Page{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePin(ctx, gone.ID, me); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t, s, gone.ID)
	if n := recount(t, s, "likes", bson.D{{Key: "pin_id", Value: kept.ID}}); n != 1 {
		t.Fatalf("the other pin lost its like: %d", n)
	}
	_, err := s.FindPin(ctx, gone.ID, fan)
	wantCode(t, err, store.ENotFound)
	prof, err := s.FindProfile(ctx, me, bson.NilObjectID)
	if want := recount(t, s, "pins", bson.D{{Key: "author_id", Value: me}}); err != nil || prof.PinCount != want || want != 1 {
		t.Fatalf("profile pin count %+v, recount %d, %v", prof, want, err)
	}
	gv, err := s.FindGroup(ctx, g, me)
	if err != nil || gv.PinCount != 1 {
		t.Fatalf("group pin count = %+v, %v", gv, err)
	}
	items, _, err := s.FindPins(ctx, store.PinQuery{}, fan, store.Page{})
	if err != nil || len(items) != 1 || items[0].ID != kept.ID {
		t.Fatalf("grid after delete = %d items, %v", len(items), err)
	}
	if c := items[0].Counts; c != (store.PinCounts{Likes: 1, Bookmarks: 1, Comments: 1}) || !items[0].LikedByMe || !items[0].BookmarkedByMe {
		t.Fatalf("kept pin view = %+v", items[0])
	}
}

func TestDeleteGroupCascade(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	g, other := fixtureGroup(t, s, me), fixtureGroup(t, s, me)
	var pins []bson.ObjectID
	for range 3 {
		p := fixturePin(t, s, me, g, "in group", "")
		seedChildren(t, s, p.ID, me, fan)
		pins = append(pins, p.ID)
	}
	survivor := fixturePin(t, s, me, other, "elsewhere", "")
	deleted, err := s.DeleteGroup(ctx, g, me)
	if err != nil {
		t.Fatal(err)
	}
	if !sameIDs(deleted, pins) {
		t.Fatalf("DeleteGroup returned pins %v, want %v", deleted, pins)
	}
	for _, p := range pins {
		wantNoChildren(t, s, p)
	}
	if n := recount(t, s, "groups", bson.D{{Key: "_id", Value: g}}); n != 0 {
		t.Fatal("group document left")
	}
	_, err = s.FindGroup(ctx, g, me)
	wantCode(t, err, store.ENotFound)
	groups, err := s.FindGroupsByOwner(ctx, me)
	if err != nil || len(groups) != 1 || groups[0].PinCount != 1 {
		t.Fatalf("groups after delete = %+v, %v", groups, err)
	}
	items, _, err := s.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{})
	if err != nil || len(items) != 1 || items[0].ID != survivor.ID {
		t.Fatalf("grid = %d items, %v", len(items), err)
	}
	prof, err := s.FindProfile(ctx, me, bson.NilObjectID)
	if err != nil || prof.PinCount != 1 {
		t.Fatalf("profile = %+v, %v", prof, err)
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

// sameIDs reports whether a and b hold the same ids, in any order.
func sameIDs(a, b []bson.ObjectID) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[bson.ObjectID]int{}
	for _, id := range a {
		n[id]++
	}
	for _, id := range b {
		if n[id]--; n[id] < 0 {
			return false
		}
	}
	return true
}
