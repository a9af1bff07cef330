package mongostore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/migrate"
	"mypinterest/store/migrate/migratetest"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

var transferOpts = store.Options{PasswordCost: bcrypt.MinCost}

// exportAll reads every record of kind, limit at a time, into one batch.
func exportAll(t *testing.T, s *mongostore.Store, kind store.Kind, limit int) store.Batch {
	t.Helper()
	all := store.Batch{Kind: kind}
	after := ""
	for {
		b, err := s.Export(context.Background(), kind, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		all.Images = append(all.Images, b.Images...)
		all.Users = append(all.Users, b.Users...)
		all.Groups = append(all.Groups, b.Groups...)
		all.Pins = append(all.Pins, b.Pins...)
		all.Follows = append(all.Follows, b.Follows...)
		all.Comments = append(all.Comments, b.Comments...)
		all.Likes = append(all.Likes, b.Likes...)
		all.Bookmarks = append(all.Bookmarks, b.Bookmarks...)
		all.Saves = append(all.Saves, b.Saves...)
		all.Notifications = append(all.Notifications, b.Notifications...)
		if b.Next == "" {
			return all
		}
		if b.Next <= after {
			t.Fatalf("%s: Next %q after %q", kind, b.Next, after)
		}
		after = b.Next
	}
}

// mark sets deleting on the document id of coll, as a cascade that a crash
// cut short leaves it.
func mark(t *testing.T, s *mongostore.Store, coll string, id bson.ObjectID) {
	t.Helper()
	_, err := s.Database().Collection(coll).UpdateOne(context.Background(), bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
}

// refs lists the ids each exported record refers to, itself included.
func refs(b store.Batch) [][]bson.ObjectID {
	var out [][]bson.ObjectID
	for _, u := range b.Users {
		out = append(out, []bson.ObjectID{u.ID})
	}
	for _, g := range b.Groups {
		out = append(out, []bson.ObjectID{g.ID, g.OwnerID})
	}
	for _, p := range b.Pins {
		out = append(out, []bson.ObjectID{p.ID, p.AuthorID, p.GroupID})
	}
	for _, f := range b.Follows {
		out = append(out, []bson.ObjectID{f.FollowerID, f.FolloweeID})
	}
	for _, c := range b.Comments {
		out = append(out, []bson.ObjectID{c.PinID, c.AuthorID})
	}
	for _, r := range append(b.Likes, b.Bookmarks...) {
		out = append(out, []bson.ObjectID{r.PinID, r.UserID})
	}
	for _, v := range b.Saves {
		out = append(out, []bson.ObjectID{v.PinID, v.GroupID, v.UserID})
	}
	for _, n := range b.Notifications {
		ids := []bson.ObjectID{n.RecipientID, n.ActorID}
		if n.PinID != nil {
			ids = append(ids, *n.PinID)
		}
		out = append(out, ids)
	}
	return out
}

// A cascade under way (an account, a group, a pin marked deleting) is
// left out of Export and Count, with everything hanging from it, so a
// copy never carries half a deletion.
func TestTransferLeavesOutDeletionsUnderWay(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t, transferOpts)
	w := migratetest.Build(t, s, 2)
	alice, bob := w.Users[0].ID, w.Users[1].ID
	mark(t, s, "users", bob)
	want := map[store.Kind]int64{
		store.KindImages: 3, store.KindUsers: 2, store.KindGroups: 3, store.KindPins: 3,
		store.KindFollows: 1, store.KindComments: 3, store.KindLikes: 1, store.KindBookmarks: 1,
		// carol's save of Red boat; bob's saves and the save of his pin go.
		store.KindSaves: 1, store.KindNotifications: 3,
	}
	doomed := map[bson.ObjectID]string{bob: "bob"}
	check := func() {
		t.Helper()
		for _, kind := range store.Kinds {
			n, err := s.Count(ctx, kind)
			if err != nil {
				t.Fatal(err)
			}
			all := exportAll(t, s, kind, 2)
			if n != want[kind] || int64(all.Len()) != n {
				t.Errorf("%s: Count %d, exported %d, want %d", kind, n, all.Len(), want[kind])
			}
			for _, ids := range refs(all) {
				for _, id := range ids {
					if name, ok := doomed[id]; ok {
						t.Errorf("%s: exported a record of %s, which is being deleted: %v", kind, name, ids)
					}
				}
			}
		}
	}
	check()

	// A group marked deleting takes its pin (Gull) along; a pin marked
	// deleting (Blue boat) its comments and notifications.
	groups, err := s.FindGroupsByOwner(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	var birds, boats store.GroupView
	for _, g := range groups {
		switch g.Title {
		case "birds":
			birds = g
		case "boats":
			boats = g
		}
	}
	pins, _, err := s.FindGroupPins(ctx, boats.ID, alice, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var blue store.PinView
	for _, p := range pins {
		if p.Title == "Blue boat" {
			blue = p
		}
	}
	mark(t, s, "groups", birds.ID)
	mark(t, s, "pins", blue.ID)
	doomed[birds.ID], doomed[blue.ID] = "the birds group", "the Blue boat pin"
	want[store.KindGroups], want[store.KindPins], want[store.KindComments] = 2, 1, 1
	want[store.KindNotifications] = 2
	check()

	// What is left copies into a store with foreign keys.
	to := storetest.SQLite(t, transferOpts)
	if err := migrate.Copy(ctx, s, to, migrate.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Verify(ctx, s, to); err != nil {
		t.Fatal(err)
	}
}

// A batch of images stops at a byte budget whatever its limit, files of
// several chunks come back whole, and Next continues after the last one.
func TestTransferExportsImagesInBoundedBatches(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t, transferOpts)
	defer mongostore.SetExportImageBytes(3 << 20)()
	var files []store.ImageFile
	for i, size := range []int{2<<20 + 1, 1 << 20, 100, 3<<20 + 5, 0} {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(i*31 + j)
		}
		files = append(files, store.ImageFile{Name: fmt.Sprintf("f%d.png", i), ContentType: "image/png", Data: data})
	}
	if err := s.PutImage(ctx, files); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for {
		b, err := s.Export(ctx, store.KindImages, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		var size int
		for _, f := range b.Images {
			names = append(names, f.Name)
			size += len(f.Data)
			want := files[f.Name[1]-'0']
			if string(f.Data) != string(want.Data) || f.ContentType != want.ContentType {
				t.Errorf("%s came back altered (%d bytes, want %d)", f.Name, len(f.Data), len(want.Data))
			}
		}
		if size > 3<<20 && len(b.Images) > 1 {
			t.Errorf("a batch of %d bytes in %d files, over the budget", size, len(b.Images))
		}
		got = append(got, strings.Join(names, ","))
		if b.Next == "" {
			break
		}
		after = b.Next
	}
	// f0 2 MiB | f1 1 MiB (3 MiB and one byte with f0: next batch) with
	// f2 | f3 alone (over budget by itself) | f4 empty.
	if want := "f0.png|f1.png,f2.png|f3.png|f4.png"; strings.Join(got, "|") != want {
		t.Fatalf("batches %s, want %s", strings.Join(got, "|"), want)
	}
}

// Importing twice changes nothing; a record colliding with a different
// one on a unique field (an email taken by another id) is an error.
func TestTransferImportIsIdempotentAndRefusesCollisions(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t, transferOpts)
	u := store.User{ID: bson.NewObjectID(), Email: "kim@example.com", Nickname: "kim", CreatedAt: store.Now()}
	b := store.Batch{Kind: store.KindUsers, Users: []store.User{u}}
	for range 2 {
		if err := s.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Count(ctx, store.KindUsers); n != 1 {
		t.Fatalf("%d users after importing one twice", n)
	}
	// The nickname key is derived as sign-up derives it, whatever the
	// source's rule was.
	u2 := store.User{ID: bson.NewObjectID(), Email: "lina@example.com", Nickname: "Lina", NicknameKey: "old rule", CreatedAt: store.Now()}
	if err := s.Import(ctx, store.Batch{Kind: store.KindUsers, Users: []store.User{u2}}); err != nil {
		t.Fatal(err)
	}
	var stored store.User
	if err := s.Database().Collection("users").FindOne(ctx, bson.D{{Key: "_id", Value: u2.ID}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if want := store.NicknameSkeleton("Lina"); stored.NicknameKey != want {
		t.Fatalf("nickname key %q, want %q as sign-up writes it", stored.NicknameKey, want)
	}
	other := u
	other.ID, other.Nickname = bson.NewObjectID(), "lee"
	err := s.Import(ctx, store.Batch{Kind: store.KindUsers, Users: []store.User{other}})
	if err == nil || !strings.Contains(err.Error(), "collide") || !strings.Contains(err.Error(), other.ID.Hex()) {
		t.Fatalf("importing a second user with the same email: %v", err)
	}
}

// Records imported into a serving store show at once, though its caches
// held the counts and lists from before.
func TestTransferImportInvalidatesCaches(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t, transferOpts)
	w := migratetest.Build(t, s, 0)
	carol := w.Users[2].ID
	before, err := s.FindProfile(ctx, carol, bson.NilObjectID)
	if err != nil {
		t.Fatal(err)
	}
	grid, _, err := s.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := s.FindGroupsByOwner(ctx, carol)
	if err != nil {
		t.Fatal(err)
	}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: carol, Title: "cats", Image: store.ImageRef{Key: "img0", Ext: "jpg"}, CreatedAt: store.Now(), UpdatedAt: store.Now()}
	p := store.Pin{ID: bson.NewObjectID(), AuthorID: carol, GroupID: g.ID, Title: "Cat", Image: g.Image, CreatedAt: store.Now(), UpdatedAt: store.Now()}
	f := store.FollowEdge{ID: bson.NewObjectID(), FollowerID: w.Users[0].ID, FolloweeID: carol, CreatedAt: store.Now()}
	for _, b := range []store.Batch{
		{Kind: store.KindGroups, Groups: []store.Group{g}},
		{Kind: store.KindPins, Pins: []store.Pin{p}},
		{Kind: store.KindFollows, Follows: []store.FollowEdge{f}},
	} {
		if err := s.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	after, err := s.FindProfile(ctx, carol, bson.NilObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if after.PinCount != before.PinCount+1 || after.FollowerCount != before.FollowerCount+1 {
		t.Errorf("profile after import: %d pins, %d followers; want %d and %d",
			after.PinCount, after.FollowerCount, before.PinCount+1, before.FollowerCount+1)
	}
	grid2, _, err := s.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(grid2) != len(grid)+1 || grid2[0].ID != p.ID {
		t.Errorf("grid after import: %d pins, first %s; want %d, first %s", len(grid2), grid2[0].ID.Hex(), len(grid)+1, p.ID.Hex())
	}
	groups2, err := s.FindGroupsByOwner(ctx, carol)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups2) != len(groups)+1 || groups2[0].PinCount != 1 {
		t.Errorf("groups after import: %+v", groups2)
	}
}

// Exports of two kinds taking turns each get every record once: a call
// that does not continue the open cursor starts a query of its own.
func TestTransferExportsTakingTurns(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t, transferOpts)
	migratetest.Build(t, s, 5)
	kinds := []store.Kind{store.KindComments, store.KindNotifications}
	want := map[store.Kind]int{}
	for _, k := range kinds {
		all := exportAll(t, s, k, 1000)
		want[k] = all.Len()
	}
	after := map[store.Kind]string{}
	got := map[store.Kind]map[string]bool{kinds[0]: {}, kinds[1]: {}}
	for done := 0; done < len(kinds); {
		done = 0
		for _, k := range kinds {
			if after[k] == "end" {
				done++
				continue
			}
			b, err := s.Export(ctx, k, after[k], 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range b.Comments {
				got[k][c.ID.Hex()] = true
			}
			for _, n := range b.Notifications {
				got[k][n.ID.Hex()] = true
			}
			if after[k] = b.Next; b.Next == "" {
				after[k] = "end"
			}
		}
	}
	for _, k := range kinds {
		if len(got[k]) != want[k] {
			t.Errorf("%s: %d distinct records taking turns, %d alone", k, len(got[k]), want[k])
		}
	}
}
