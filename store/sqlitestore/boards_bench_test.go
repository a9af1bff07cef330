package sqlitestore_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// BenchmarkFindUserGroups reads a profile's five groups, each with its
// four previews.
func BenchmarkFindUserGroups(b *testing.B) {
	ctx := context.Background()
	st := storetest.SQLite(b, store.Options{})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := store.User{ID: bson.NewObjectID(), Email: "kim@x.test", Nickname: "kim", NicknameKey: "kim",
		PasswordHash: []byte("x"), CreatedAt: at}
	var groups []store.Group
	var pins []store.Pin
	for range 5 {
		g := store.Group{ID: bson.NewObjectID(), OwnerID: u.ID, Title: "travel plans", Content: "places", CreatedAt: at, UpdatedAt: at}
		groups = append(groups, g)
		for range 4 {
			pins = append(pins, store.Pin{ID: bson.NewObjectID(), AuthorID: u.ID, GroupID: g.ID, Title: "t",
				Image: store.ImageRef{Key: "0123456789abcdef", Ext: "jpg", Width: 640, Height: 800}, CreatedAt: at, UpdatedAt: at})
		}
	}
	for _, bt := range []store.Batch{{Kind: store.KindUsers, Users: []store.User{u}},
		{Kind: store.KindGroups, Groups: groups}, {Kind: store.KindPins, Pins: pins}} {
		if err := st.Import(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		gs, _, err := st.FindUserGroups(ctx, u.ID, bson.NilObjectID, store.Page{})
		if err != nil || len(gs) != 5 || len(gs[0].Previews) != 4 {
			b.Fatalf("%d groups, %v", len(gs), err)
		}
	}
}
