package sqlitestore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// TestFeedPlans checks FindFeed's two plans against a recount: a user who
// follows many (the walk down the newest pins), a user who follows many
// who wrote little under a thousand newer pins of others (the walk gives
// up and the merge serves), a user who follows two who write much (the
// walk, chosen by their share of the pins), and one who follows two who
// wrote little (the merge at once).
func TestFeedPlans(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t, store.Options{})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var users []store.User
	for i := range 45 {
		users = append(users, store.User{ID: bson.NewObjectID(), Email: fmt.Sprintf("u%d@x.test", i),
			Nickname: fmt.Sprintf("user%d", i), PasswordHash: []byte("x"), CreatedAt: at})
	}
	var groups []store.Group
	for _, u := range users {
		groups = append(groups, store.Group{ID: bson.NewObjectID(), OwnerID: u.ID, Title: "g", CreatedAt: at, UpdatedAt: at})
	}
	img := store.ImageRef{Key: "k", Ext: "jpg", Width: 1, Height: 1}
	var pins []store.Pin
	pin := func(author int) {
		pins = append(pins, store.Pin{ID: bson.NewObjectID(), AuthorID: users[author].ID, GroupID: groups[author].ID,
			Title: "t", Image: img, CreatedAt: at, UpdatedAt: at})
	}
	for i := range 400 { // everyone writes; 40–44 write most
		pin(i % 45)
	}
	for i := range 1200 { // then only 40–44
		pin(40 + i%5)
	}
	var follows []store.FollowEdge
	follow := func(who, whom int) {
		follows = append(follows, store.FollowEdge{ID: bson.NewObjectID(), FollowerID: users[who].ID, FolloweeID: users[whom].ID, CreatedAt: at})
	}
	const many, sparse, few, rare = 0, 1, 2, 3
	for i := 3; i < 45; i++ {
		follow(many, i) // 42: most recent pins are theirs
	}
	for i := 3; i < 40; i++ {
		follow(sparse, i) // 37 who stopped writing 1,200 pins ago
	}
	follow(few, 5)
	follow(few, 41)
	follow(rare, 5)
	follow(rare, 6)
	for _, b := range []store.Batch{
		{Kind: store.KindUsers, Users: users}, {Kind: store.KindGroups, Groups: groups},
		{Kind: store.KindPins, Pins: pins}, {Kind: store.KindFollows, Follows: follows},
	} {
		if err := st.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []int{many, sparse, few, rare} {
		followed := map[bson.ObjectID]bool{}
		for _, f := range follows {
			if f.FollowerID == users[who].ID {
				followed[f.FolloweeID] = true
			}
		}
		var want []bson.ObjectID
		for _, p := range slices.Backward(pins) {
			if followed[p.AuthorID] {
				want = append(want, p.ID)
			}
		}
		var got []bson.ObjectID
		page := store.Page{Limit: 50}
		for range 1000 {
			list, next, err := st.FindFeed(ctx, users[who].ID, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range list {
				got = append(got, v.ID)
			}
			if next == nil {
				break
			}
			page.Cursor = *next
		}
		if !slices.Equal(got, want) {
			t.Errorf("user %d: feed has %d pins, want %d (first difference at %d)", who, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []bson.ObjectID) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
