package storetest

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// transferTests: a store copied record by record into a fresh one serves
// the same data, ids and times kept (docs/OPERATIONS.md §Moving house).
var transferTests = []conformanceTest{
	{"copy into a fresh store", testTransferCopy},
}

// populate fills st with every kind of record: the account world, an
// avatar and a message, read notifications and image files.
func populate(t *testing.T, st store.Store) (world, []store.ImageFile) {
	t.Helper()
	ctx := t.Context()
	w := buildWorld(t, st)
	files := append(imageFiles("eeee", 3, 70_000), imageFiles("ffff", 2, 10)...)
	if err := st.PutImage(ctx, files); err != nil {
		t.Fatal(err)
	}
	avatar := store.ImageRef{Key: "eeee", Ext: "jpg", Width: 10, Height: 10}
	if _, err := st.SetUserAvatar(ctx, w.a.ID, avatar); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateUserMessage(ctx, w.b.ID, "안녕하세요"); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkNotificationsRead(ctx, w.victim.ID); err != nil {
		t.Fatal(err)
	}
	// Saves, into a public and a secret group.
	secret := newSecretGroup(t, st, w.b.ID, "secret")
	mustSave(t, st, w.pinV, secret, w.b.ID)
	mustSave(t, st, w.pinA, w.groupV, w.victim.ID)
	mustSave(t, st, w.pinV, newGroup(t, st, w.c.ID), w.c.ID)
	return w, files
}

// exportAll reads every record of st in small batches, kind by kind in
// copy order, checking that batches are bounded and add up to Count.
func exportAll(t *testing.T, tr store.Transfer) []store.Batch {
	t.Helper()
	const limit = 2
	var out []store.Batch
	for _, kind := range store.Kinds {
		total := 0
		after := ""
		for range maxPages {
			b, err := tr.Export(t.Context(), kind, after, limit)
			if err != nil {
				t.Fatalf("export %s after %q: %v", kind, after, err)
			}
			if b.Kind != kind || b.Len() > limit {
				t.Fatalf("export %s: a batch of kind %s with %d records", kind, b.Kind, b.Len())
			}
			if b.Len() > 0 {
				out = append(out, b)
			}
			total += b.Len()
			if b.Next == "" {
				break
			}
			if b.Next == after {
				t.Fatalf("export %s does not advance past %q", kind, after)
			}
			after = b.Next
		}
		n, err := tr.Count(t.Context(), kind)
		if err != nil || n != int64(total) {
			t.Fatalf("%s: exported %d, Count %d, %v", kind, total, n, err)
		}
		if total == 0 {
			t.Fatalf("%s: nothing to export: populate makes every kind", kind)
		}
	}
	return out
}

// importAll writes batches into tr in order.
func importAll(t *testing.T, tr store.Transfer, batches []store.Batch) {
	t.Helper()
	for _, b := range batches {
		if err := tr.Import(t.Context(), b); err != nil {
			t.Fatalf("import %d %s: %v", b.Len(), b.Kind, err)
		}
	}
}

// wantCounts fails unless dst holds as many records of each kind as src.
func wantCounts(t *testing.T, src, dst store.Transfer) {
	t.Helper()
	for _, kind := range store.Kinds {
		a, errA := src.Count(t.Context(), kind)
		b, errB := dst.Count(t.Context(), kind)
		if errA != nil || errB != nil || a != b {
			t.Errorf("%s: source %d (%v), copy %d (%v)", kind, a, errA, b, errB)
		}
	}
}

func testTransferCopy(t *testing.T, s *suite) {
	src := s.store(t)
	w, files := populate(t, src)
	batches := exportAll(t, transfer(t, src))
	dst := s.store(t)
	importAll(t, transfer(t, dst), batches)
	wantCounts(t, transfer(t, src), transfer(t, dst))
	wantSameData(t, src, dst, w)
	wantImages(t, dst, files)

	// A copy run again (after an interruption) changes nothing.
	importAll(t, transfer(t, dst), batches)
	wantCounts(t, transfer(t, src), transfer(t, dst))
	wantIDs(t, "grid after a second import", gridIDs(t, dst), gridIDs(t, src))
	wantSameUser(t, src, dst, w.a.ID)

	// The copy is a store like any other: it takes new writes.
	u, err := dst.Authenticate(t.Context(), w.victim.Email, password)
	if err != nil || u.ID != w.victim.ID {
		t.Fatalf("log-in on the copy: %v, %v", u, err)
	}
	if _, err := dst.DeleteUser(t.Context(), w.victim.ID, password); err != nil {
		t.Fatal(err)
	}
	wantNothingOf(t, dst, w)
}

// wantSameData fails unless dst shows what src shows, through every read
// of the API, to every user of w.
func wantSameData(t *testing.T, src, dst store.Store, w world) {
	t.Helper()
	ctx := t.Context()
	users := append(w.others(), w.victim.ID)
	grid := gridIDs(t, src)
	wantIDs(t, "grid", gridIDs(t, dst), grid)
	for _, id := range users {
		wantSameUser(t, src, dst, id)
		for _, l := range []func(*testing.T, store.Store, bson.ObjectID) []bson.ObjectID{followerIDs, followingIDs, authorPinIDs, bookmarkedIDs} {
			wantIDs(t, "list of "+id.Hex(), l(t, dst, id), l(t, src, id))
		}
		feed := func(st store.Store) []bson.ObjectID {
			pins, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.PinView, *string, error) { return st.FindFeed(ctx, id, p) })
			return ids(pins, pinID)
		}
		wantIDs(t, "feed", feed(dst), feed(src))
		a, b := notifications(t, src, id), notifications(t, dst, id)
		if len(a) != len(b) {
			t.Fatalf("%s: %d notifications, copy %d", id.Hex(), len(a), len(b))
		}
		for i := range a {
			if !sameNotification(a[i], b[i]) {
				t.Fatalf("notification %d of %s: %+v, copy %+v", i, id.Hex(), a[i], b[i])
			}
		}
		ga, errA := src.FindGroupsByOwner(ctx, id)
		gb, errB := dst.FindGroupsByOwner(ctx, id)
		if errA != nil || errB != nil || !slices.EqualFunc(ga, gb, sameGroup) {
			t.Fatalf("groups of %s: %+v (%v), copy %+v (%v)", id.Hex(), ga, errA, gb, errB)
		}
		for _, g := range ga {
			wantIDs(t, "pins of group "+g.Title, groupPinIDs(t, dst, g.ID, id), groupPinIDs(t, src, g.ID, id))
		}
	}
	for _, pin := range grid {
		for _, viewer := range append(users, bson.NilObjectID) {
			a, errA := src.FindPin(ctx, pin, viewer)
			b, errB := dst.FindPin(ctx, pin, viewer)
			if errA != nil || errB != nil || !samePin(*a, *b) {
				t.Fatalf("pin %s for %s: %+v (%v), copy %+v (%v)", pin.Hex(), viewer.Hex(), a, errA, b, errB)
			}
		}
		ca, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.CommentView, *string, error) { return src.FindComments(ctx, pin, p) })
		cb, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.CommentView, *string, error) { return dst.FindComments(ctx, pin, p) })
		if !slices.EqualFunc(ca, cb, func(x, y store.CommentView) bool {
			return x.ID == y.ID && x.Content == y.Content && x.AuthorID == y.AuthorID && x.CreatedAt.Equal(y.CreatedAt) && x.Author == y.Author
		}) {
			t.Fatalf("comments on %s: %+v, copy %+v", pin.Hex(), ca, cb)
		}
	}
}

// wantSameUser compares a user's account and profile in two stores.
func wantSameUser(t *testing.T, src, dst store.Store, id bson.ObjectID) {
	t.Helper()
	ctx := t.Context()
	a, errA := src.FindUserByID(ctx, id)
	b, errB := dst.FindUserByID(ctx, id)
	if errA != nil || errB != nil || a.Email != b.Email || a.Nickname != b.Nickname || a.Message != b.Message ||
		a.Avatar != b.Avatar || !a.CreatedAt.Equal(b.CreatedAt) {
		t.Fatalf("user %s: %+v (%v), copy %+v (%v)", id.Hex(), a, errA, b, errB)
	}
	pa, errA := src.FindProfile(ctx, id, bson.NilObjectID)
	pb, errB := dst.FindProfile(ctx, id, bson.NilObjectID)
	if errA != nil || errB != nil || *pa != *pb {
		t.Fatalf("profile %s: %+v (%v), copy %+v (%v)", id.Hex(), pa, errA, pb, errB)
	}
}

func samePin(a, b store.PinView) bool {
	return a.ID == b.ID && a.AuthorID == b.AuthorID && a.GroupID == b.GroupID && a.Title == b.Title &&
		a.Content == b.Content && a.Image == b.Image && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.Author == b.Author && a.Counts == b.Counts && a.LikedByMe == b.LikedByMe && a.BookmarkedByMe == b.BookmarkedByMe &&
		slices.Equal(a.SavedGroupIDs, b.SavedGroupIDs)
}

func sameGroup(a, b store.GroupView) bool {
	return a.ID == b.ID && a.OwnerID == b.OwnerID && a.Title == b.Title && a.Content == b.Content &&
		a.Image == b.Image && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.PinCount == b.PinCount &&
		a.Secret == b.Secret && slices.Equal(a.Previews, b.Previews)
}

func sameNotification(a, b store.NotificationView) bool {
	samePinID := (a.PinID == nil) == (b.PinID == nil) && (a.PinID == nil || *a.PinID == *b.PinID)
	sameStub := (a.Pin == nil) == (b.Pin == nil) && (a.Pin == nil || *a.Pin == *b.Pin)
	return a.ID == b.ID && a.RecipientID == b.RecipientID && a.Kind == b.Kind && a.ActorID == b.ActorID &&
		a.Read == b.Read && a.CreatedAt.Equal(b.CreatedAt) && a.Actor == b.Actor && samePinID && sameStub
}
