package sqlitestore

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestPackedRowRoundTrip: a packed row gives back every field as stored,
// whatever bytes the ids and strings hold (NUL, commas, colons, the
// digits of a length, multi-byte characters) and negative integers; a
// truncated or overlong row is an error, not a wrong pin.
func TestPackedRowRoundTrip(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	id := bson.ObjectID{0, ',', ':', '1', 0xff, 0, 0, '-', 9, 8, 7, 0}
	strs := []string{"", "a,b:c\x00d", "12:34,", "한국어 😀", ":", "7"}
	q := `SELECT ` + packed(packID("?1"), packInt("?2"), packInt("?3"), packStr("?4"), packStr("?5"), packStr("?6"),
		packStr("?7"), packStr("?8"), packStr("?9"), "?10")
	var row string
	if err := s.r.QueryRowContext(ctx, q, id[:], int64(-1234567890123), 0,
		strs[0], strs[1], strs[2], strs[3], strs[4], strs[5], "rest,of:it").Scan(&row); err != nil {
		t.Fatal(err)
	}
	u := unpacker{s: row}
	gotID, n1, n2 := u.id(), u.int(), u.int()
	var got []string
	for range strs {
		got = append(got, u.str())
	}
	rest := u.rest()
	if err := u.done(); err != nil || gotID != id || n1 != -1234567890123 || n2 != 0 ||
		!reflect.DeepEqual(got, strs) || rest != "rest,of:it" {
		t.Fatalf("unpacked %v %d %d %q %q, %v", gotID, n1, n2, got, rest, err)
	}
	for _, bad := range []string{row[:len(row)-len(rest)-1], row[:13], "", row[:12] + "12x,"} {
		u := unpacker{s: bad}
		u.id()
		u.int()
		u.int()
		for range strs {
			u.str()
		}
		if u.done() == nil {
			t.Errorf("unpacking %q: no error", bad)
		}
	}
	u = unpacker{s: row + "x"}
	u.id()
	u.int()
	u.int()
	for range strs {
		u.str()
	}
	if u.done() == nil {
		t.Error("a row with bytes left over: no error")
	}
}

// TestPackedPinView: a pin read through the packed row equals what was
// stored, for a viewer who liked, bookmarked and saved it and for nobody.
func TestPackedPinView(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	now := time.Now().UTC().Truncate(time.Millisecond)
	author := store.User{ID: bson.NewObjectID(), Email: "a@example.com", Nickname: "a:1,b", NicknameKey: "a:1,b",
		PasswordHash: []byte("x"), CreatedAt: now, Avatar: store.ImageRef{Key: "av", Ext: "png", Width: 3, Height: 4, Alpha: true}}
	viewer := store.User{ID: bson.NewObjectID(), Email: "v@example.com", Nickname: "v", NicknameKey: "v",
		PasswordHash: []byte("x"), CreatedAt: now}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: author.ID, Title: "g", CreatedAt: now, UpdatedAt: now}
	vg := store.Group{ID: bson.NewObjectID(), OwnerID: viewer.ID, Title: "vg", CreatedAt: now, UpdatedAt: now}
	p := store.Pin{ID: bson.NewObjectID(), AuthorID: author.ID, GroupID: g.ID, Title: "t,1:2", Content: "ünï\ncode 😀,:",
		Image: store.ImageRef{Key: "k", Ext: "jpg", Width: 640, Height: 800}, CreatedAt: now, UpdatedAt: now.Add(time.Second)}
	for _, b := range []store.Batch{
		{Kind: store.KindUsers, Users: []store.User{author, viewer}},
		{Kind: store.KindGroups, Groups: []store.Group{g, vg}},
		{Kind: store.KindPins, Pins: []store.Pin{p}},
	} {
		if err := s.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetLike(ctx, p.ID, viewer.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetBookmark(ctx, p.ID, viewer.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSave(ctx, p.ID, vg.ID, viewer.ID, true); err != nil {
		t.Fatal(err)
	}
	want := store.PinView{Pin: p, Author: author.Card(), Counts: store.PinCounts{Likes: 1, Bookmarks: 1, Saves: 1},
		SavedGroupIDs: []bson.ObjectID{}}
	anon, err := s.FindPin(ctx, p.ID, bson.ObjectID{})
	if err != nil || !reflect.DeepEqual(*anon, want) {
		t.Fatalf("signed out: %+v, %v; want %+v", anon, err, want)
	}
	want.LikedByMe, want.BookmarkedByMe, want.SavedGroupIDs = true, true, []bson.ObjectID{vg.ID}
	got, err := s.FindPin(ctx, p.ID, viewer.ID)
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("viewer: %+v, %v; want %+v", got, err, want)
	}
}
