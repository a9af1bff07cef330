package sqlitestore_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// BenchmarkNotifyFollowers measures the fan-out of one new pin to 900
// followers, the most a seeded author has.
func BenchmarkNotifyFollowers(b *testing.B) {
	ctx := context.Background()
	st := storetest.SQLite(b, store.Options{})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var users []store.User
	for i := range 901 {
		users = append(users, store.User{ID: bson.NewObjectID(), Email: fmt.Sprintf("u%d@x.test", i),
			Nickname: fmt.Sprintf("user%d", i), PasswordHash: []byte("x"), CreatedAt: at})
	}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: users[0].ID, Title: "g", CreatedAt: at, UpdatedAt: at}
	p := store.Pin{ID: bson.NewObjectID(), AuthorID: users[0].ID, GroupID: g.ID, Title: "t",
		Image: store.ImageRef{Key: "k", Ext: "jpg", Width: 1, Height: 1}, CreatedAt: at, UpdatedAt: at}
	var follows []store.FollowEdge
	for _, u := range users[1:] {
		follows = append(follows, store.FollowEdge{ID: bson.NewObjectID(), FollowerID: u.ID, FolloweeID: users[0].ID, CreatedAt: at})
	}
	for _, bt := range []store.Batch{
		{Kind: store.KindUsers, Users: users}, {Kind: store.KindGroups, Groups: []store.Group{g}},
		{Kind: store.KindPins, Pins: []store.Pin{p}}, {Kind: store.KindFollows, Follows: follows},
	} {
		if err := st.Import(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op") }()
	for range b.N {
		ds, err := st.NotifyFollowers(ctx, users[0].ID, p.ID)
		if err != nil || len(ds) != 900 {
			b.Fatal(len(ds), err)
		}
	}
}

// cpuTime is the process's user and system time: the figure that compares
// on a shared machine, where wall time depends on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
