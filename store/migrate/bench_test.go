package migrate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/migrate"
	"mypinterest/store/storetest"
)

// benchSize is the site the copy benchmarks move: about 100k records and
// 13 MB of images, a busy embedded install.
var benchSize = siteSize{Users: 1000, Pins: 10_000, Follows: 5000, Comments: 20_000, Likes: 30_000,
	Bookmarks: 5000, Notifications: 20_000, Images: 200, ImageBytes: 64 << 10}

type siteSize struct {
	Users, Pins, Follows, Comments, Likes, Bookmarks, Notifications, Images, ImageBytes int
}

// seedSite writes a synthetic site of size n into t through Import (the
// bulk path), every reference valid.
func seedSite(tb testing.TB, t store.Transfer, n siteSize) int64 {
	ctx := context.Background()
	now := store.Now().Add(-time.Hour)
	id := func() bson.ObjectID { return bson.NewObjectIDFromTimestamp(now) }
	users := make([]bson.ObjectID, n.Users)
	groups := make([]bson.ObjectID, n.Users)
	pins := make([]store.Pin, n.Pins)
	var total int64
	flush := func(b *store.Batch) {
		if b.Len() >= 1000 {
			total += int64(b.Len())
			if err := t.Import(ctx, *b); err != nil {
				tb.Fatal(err)
			}
			*b = store.Batch{Kind: b.Kind}
		}
	}
	done := func(b *store.Batch) {
		total += int64(b.Len())
		if err := t.Import(ctx, *b); err != nil {
			tb.Fatal(err)
		}
	}
	img := store.ImageRef{Key: "bench", Ext: "jpg", Width: 640, Height: 480}
	b := store.Batch{Kind: store.KindImages}
	for i := range n.Images {
		data := make([]byte, n.ImageBytes)
		data[0], data[1] = byte(i), byte(i>>8)
		b.Images = append(b.Images, store.ImageFile{Name: fmt.Sprintf("bench%05d.jpg", i), ContentType: "image/jpeg", Data: data})
		if len(b.Images) == 20 {
			done(&b)
			b = store.Batch{Kind: store.KindImages}
		}
	}
	done(&b)
	b = store.Batch{Kind: store.KindUsers}
	for i := range users {
		users[i] = id()
		nick := fmt.Sprintf("u%d", i)
		b.Users = append(b.Users, store.User{ID: users[i], Email: nick + "@example.com", Nickname: nick, NicknameKey: nick,
			PasswordHash: []byte("$2a$04$notarealhashnotarealhashnotarealhashnotarealhashnotar"), CreatedAt: now})
		flush(&b)
	}
	done(&b)
	b = store.Batch{Kind: store.KindGroups}
	for i := range groups {
		groups[i] = id()
		b.Groups = append(b.Groups, store.Group{ID: groups[i], OwnerID: users[i], Title: "board", Image: img, CreatedAt: now, UpdatedAt: now})
		flush(&b)
	}
	done(&b)
	b = store.Batch{Kind: store.KindPins}
	for i := range pins {
		u := i % n.Users
		pins[i] = store.Pin{ID: id(), AuthorID: users[u], GroupID: groups[u], Title: fmt.Sprintf("Pin %d of the harbour", i),
			Content: "Boats, gulls and bread by the sea", Image: img, CreatedAt: now, UpdatedAt: now}
		b.Pins = append(b.Pins, pins[i])
		flush(&b)
	}
	done(&b)
	// pairs yields distinct (pin, user) pairs where the user is not the
	// author: user (pin+k) for k = 1, 2, ...
	pair := func(i int) (store.Pin, bson.ObjectID) {
		p := pins[i%n.Pins]
		k := 1 + i/n.Pins
		return p, users[(i%n.Pins%n.Users+k)%n.Users]
	}
	b = store.Batch{Kind: store.KindFollows}
	for i := range n.Follows {
		k := 1 + i/n.Users
		b.Follows = append(b.Follows, store.FollowEdge{ID: id(), FollowerID: users[i%n.Users], FolloweeID: users[(i%n.Users+k)%n.Users], CreatedAt: now})
		flush(&b)
	}
	done(&b)
	b = store.Batch{Kind: store.KindComments}
	for i := range n.Comments {
		p, u := pair(i)
		b.Comments = append(b.Comments, store.Comment{ID: id(), PinID: p.ID, AuthorID: u, Content: "Lovely, where is this?", CreatedAt: now})
		flush(&b)
	}
	done(&b)
	for _, kind := range []store.Kind{store.KindLikes, store.KindBookmarks} {
		count := n.Likes
		if kind == store.KindBookmarks {
			count = n.Bookmarks
		}
		b = store.Batch{Kind: kind}
		for i := range count {
			p, u := pair(i)
			r := store.Reaction{ID: id(), PinID: p.ID, UserID: u, CreatedAt: now}
			if kind == store.KindLikes {
				b.Likes = append(b.Likes, r)
			} else {
				b.Bookmarks = append(b.Bookmarks, r)
			}
			flush(&b)
		}
		done(&b)
	}
	b = store.Batch{Kind: store.KindNotifications}
	for i := range n.Notifications {
		p, u := pair(i)
		pin := p.ID
		b.Notifications = append(b.Notifications, store.Notification{ID: id(), RecipientID: p.AuthorID, Kind: store.NotifyLike,
			ActorID: u, PinID: &pin, CreatedAt: now})
		flush(&b)
	}
	done(&b)
	return total
}

func benchCopy(b *testing.B, from, to store.Transfer) {
	start := time.Now()
	records := seedSite(b, from, benchSize)
	b.Logf("seeded %d records through the source's Import in %s", records, time.Since(start).Round(time.Millisecond))
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		opts := migrate.Options{Progress: func(p migrate.Progress) {
			if p.Finished {
				b.Logf("%-13s %6d records in %s (%.0f/s)", p.Kind, p.Done, p.Elapsed.Round(time.Millisecond), p.Rate())
			}
		}}
		if err := migrate.Copy(context.Background(), from, to, opts); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
	}
	b.StopTimer()
	if _, err := migrate.Verify(context.Background(), from, to); err != nil {
		b.Fatal(err)
	}
}

// go test -run '^$' -bench . -benchtime 1x ./store/migrate/
func BenchmarkCopySQLiteToMongo(b *testing.B) {
	benchCopy(b, storetest.SQLite(b, store.Options{}), storetest.NewMongo(b))
}

func BenchmarkCopyMongoToSQLite(b *testing.B) {
	benchCopy(b, storetest.NewMongo(b), storetest.SQLite(b, store.Options{}))
}
