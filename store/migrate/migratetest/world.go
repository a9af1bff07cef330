// Package migratetest fills a store through its public API with a little
// of everything a copy must carry, and reads it back in a form that two
// stores holding the same data render identically.
package migratetest

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Password is every world user's password.
const Password = "tulip-harbor-93"

// World names what Build created.
type World struct {
	Users  []store.User // alice, bob, carol (dave's account was deleted)
	Pins   []bson.ObjectID
	Images []store.ImageFile
	// Records is how many records of each kind Build left.
	Records map[store.Kind]int64
}

// Build fills s: three users (one with an avatar and a message), groups,
// pins with images, follows, comments, likes, bookmarks, notifications
// (some read), and a fourth account deleted with all it had, which must
// not reappear anywhere. extraComments adds that many more comments, for
// copies of many batches.
func Build(tb testing.TB, s store.Store, extraComments int) World {
	tb.Helper()
	ctx := context.Background()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	w := World{Records: map[store.Kind]int64{}}
	// One image over 2 MiB, which MongoDB keeps in several chunks.
	for i, size := range []int{2<<20 + 12345, 40_000, 7} {
		data := bytes.Repeat([]byte{byte(i + 1), byte(i * 7)}, size/2+1)[:size]
		w.Images = append(w.Images, store.ImageFile{Name: fmt.Sprintf("img%d.jpg", i), ContentType: "image/jpeg", Data: data})
	}
	must(s.PutImage(ctx, w.Images))
	ref := func(i int) store.ImageRef {
		return store.ImageRef{Key: fmt.Sprintf("img%d", i), Ext: "jpg", Width: 300 + i, Height: 200 + i}
	}
	var users []store.User
	for _, nick := range []string{"alice", "bob", "carol", "dave"} {
		u, err := s.CreateUser(ctx, store.NewUser{Email: nick + "@example.com", Nickname: nick, Password: Password})
		must(err)
		users = append(users, *u)
	}
	alice, bob, carol, dave := users[0].ID, users[1].ID, users[2].ID, users[3].ID
	_, err := s.SetUserAvatar(ctx, alice, ref(1))
	must(err)
	_, err = s.UpdateUserMessage(ctx, alice, "Pins of the harbour")
	must(err)

	group := func(owner bson.ObjectID, title string) bson.ObjectID {
		g, err := s.CreateGroup(ctx, owner, store.GroupInput{Title: title, Content: "about " + title}, ref(0))
		must(err)
		return g.ID
	}
	pin := func(author, group bson.ObjectID, title string, img int) bson.ObjectID {
		p, err := s.CreatePin(ctx, author, store.PinInput{Title: title, Content: title + " by the sea", GroupID: group}, ref(img))
		must(err)
		w.Pins = append(w.Pins, p.ID)
		return p.ID
	}
	ga, ga2, gb, gd := group(alice, "boats"), group(alice, "birds"), group(bob, "bread"), group(dave, "dunes")
	a1, a2 := pin(alice, ga, "Red boat", 0), pin(alice, ga, "Blue boat", 1)
	pin(alice, ga2, "Gull", 2)
	b1 := pin(bob, gb, "Rye loaf", 1)
	pin(bob, gb, "Baguette", 0)
	d1, err := s.CreatePin(ctx, dave, store.PinInput{Title: "Dune", GroupID: gd}, ref(0))
	must(err)

	for _, f := range [][2]bson.ObjectID{{bob, alice}, {carol, alice}, {alice, bob}, {dave, alice}, {alice, dave}} {
		_, _, err := s.Follow(ctx, f[0], f[1])
		must(err)
		_, err = s.Notify(ctx, store.NotifyFollow, f[0], nil, []bson.ObjectID{f[1]})
		must(err)
	}
	comment := func(pin, author bson.ObjectID, text string) {
		_, _, err := s.CreateComment(ctx, pin, author, text)
		must(err)
	}
	comment(a1, bob, "Lovely red")
	comment(a1, carol, "Where is this?")
	comment(a1, dave, "Nice")
	comment(d1.ID, alice, "Sandy")
	for i := range extraComments {
		comment(a2, carol, fmt.Sprintf("comment %d", i))
	}
	for _, r := range [][2]bson.ObjectID{{a1, bob}, {a1, carol}, {b1, alice}, {a1, dave}, {d1.ID, alice}} {
		_, err := s.SetLike(ctx, r[0], r[1], true)
		must(err)
		_, err = s.Notify(ctx, store.NotifyLike, r[1], &r[0], []bson.ObjectID{alice})
		must(err)
	}
	for _, r := range [][2]bson.ObjectID{{a1, carol}, {b1, carol}, {a2, bob}, {a1, dave}} {
		_, err := s.SetBookmark(ctx, r[0], r[1], true)
		must(err)
	}
	// Saves, one into a secret group; dave's goes with his account.
	gc := group(carol, "favourites")
	secret, err := s.CreateGroup(ctx, bob, store.GroupInput{Title: "hidden", Secret: true}, store.ImageRef{})
	must(err)
	for _, sv := range []struct{ pin, group, user bson.ObjectID }{
		{a1, gc, carol}, {a1, secret.ID, bob}, {b1, ga2, alice}, {b1, gd, dave},
	} {
		_, err := s.SetSave(ctx, sv.pin, sv.group, sv.user, true)
		must(err)
	}
	_, err = s.NotifyFollowers(ctx, alice, a2)
	must(err)
	must(s.MarkNotificationsRead(ctx, bob))
	_, err = s.DeleteUser(ctx, dave, Password)
	must(err)

	w.Users = users[:3]
	w.Records = map[store.Kind]int64{
		store.KindImages: 3, store.KindUsers: 3, store.KindGroups: 5, store.KindPins: 5,
		store.KindFollows: 3, store.KindComments: 2 + int64(extraComments), store.KindLikes: 3,
		store.KindBookmarks: 3, store.KindSaves: 3,
		// follow: alice, alice, bob; like: alice (bob's and carol's
		// likes; alice's own like of b1 notifies herself: skipped);
		// new_pin a2: bob and carol.
		store.KindNotifications: 3 + 2 + 2,
	}
	return w
}
