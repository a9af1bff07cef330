package sqlitestore

import (
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestOptimizeMergesTheSearchIndex: pins imported in several batches leave
// several full-text segments; Optimize merges them into one, and search
// finds the same pins after it.
func TestOptimizeMergesTheSearchIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := store.User{ID: bson.NewObjectID(), Email: "a@example.com", Nickname: "a", NicknameKey: "a", PasswordHash: []byte("x"), CreatedAt: now}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: u.ID, Title: "g", CreatedAt: now, UpdatedAt: now}
	for _, b := range []store.Batch{{Kind: store.KindUsers, Users: []store.User{u}}, {Kind: store.KindGroups, Groups: []store.Group{g}}} {
		if err := s.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	img := store.ImageRef{Key: "k", Ext: "jpg", Width: 1, Height: 1}
	for i := range 5 {
		p := store.Pin{ID: bson.NewObjectID(), AuthorID: u.ID, GroupID: g.ID, Title: "sunset " + strconv.Itoa(i),
			Image: img, CreatedAt: now, UpdatedAt: now}
		if err := s.Import(ctx, store.Batch{Kind: store.KindPins, Pins: []store.Pin{p}}); err != nil {
			t.Fatal(err)
		}
	}
	segments := func() int {
		t.Helper()
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(DISTINCT segid) FROM pin_words_idx`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	found := func() int {
		t.Helper()
		pins, _, err := s.FindPins(ctx, store.PinQuery{Query: "sunset"}, bson.NilObjectID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(pins)
	}
	if n := segments(); n < 2 {
		t.Fatalf("%d segments after 5 imports: the test needs several", n)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if n := segments(); n != 1 {
		t.Errorf("%d segments after Optimize, want 1", n)
	}
	if n := found(); n != 5 {
		t.Errorf("search finds %d pins after Optimize, want 5", n)
	}
}
