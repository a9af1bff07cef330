package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
)

// TestUpgradeToBoards: a database of schema step 1 (groups were private)
// opens with its groups kept secret, numbered for the search index, and
// searchable once their owner opens them up; its pins keep their counts.
func TestUpgradeToBoards(t *testing.T) {
	ctx := t.Context()
	owner, g1, g2, pin := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	st := openUpgraded(t, 1, []sqlArgs{
		{`INSERT INTO users (id, email, nickname, nickname_key, password_hash, created_at) VALUES (?, 'o@example.com', 'Owner', 'owner', x'00', 1)`, []any{owner[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at) VALUES (?, ?, 'Old Cats', '', 1, 1)`, []any{g1[:], owner[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at) VALUES (?, ?, 'Old Dogs', '', 1, 1)`, []any{g2[:], owner[:]}},
		{`INSERT INTO pins (id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, created_at, updated_at)
			VALUES (?, ?, ?, 'p', '', 'k', 'jpg', 1, 1, 1, 1)`, []any{pin[:], owner[:], g1[:]}},
	}, store.Options{PasswordCost: bcrypt.MinCost})
	for _, g := range []bson.ObjectID{g1, g2} {
		if _, err := st.FindGroup(ctx, g, bson.NilObjectID); store.ErrorCode(err) != store.ENotFound {
			t.Fatalf("an old group is visible to others after the upgrade: %v", err)
		}
	}
	got, err := st.FindGroup(ctx, g1, owner)
	if err != nil || !got.Secret || got.PinCount != 1 {
		t.Fatalf("old group as its owner sees it = %+v, %v", got, err)
	}
	var seqs int
	if err := st.r.QueryRowContext(ctx, `SELECT count(DISTINCT seq) FROM pin_groups WHERE seq IS NOT NULL`).Scan(&seqs); err != nil || seqs != 2 {
		t.Fatalf("numbered groups = %d, %v", seqs, err)
	}
	open := false
	if _, err := st.UpdateGroup(ctx, g2, owner, store.GroupPatch{Secret: &open}); err != nil {
		t.Fatal(err)
	}
	found, _, err := st.SearchGroups(ctx, "old", store.Page{})
	if err != nil || len(found) != 1 || found[0].ID != g2 {
		t.Fatalf("search after opening one group = %+v, %v", found, err)
	}
	// A new group takes the next number.
	if _, err := st.CreateGroup(ctx, owner, store.GroupInput{Title: "Old Birds"}, store.ImageRef{}); err != nil {
		t.Fatal(err)
	}
	if found, _, err := st.SearchGroups(ctx, "old", store.Page{}); err != nil || len(found) != 2 || found[1].ID != g2 {
		t.Fatalf("search after a new group = %+v, %v", found, err)
	}
}

// TestUpgradeFillsPreviews: a database of schema step 3 opens with every
// group's previews computed from the pins and saves it already holds.
func TestUpgradeFillsPreviews(t *testing.T) {
	ctx := t.Context()
	owner, g1, g2, p1, p2, save := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	st := openUpgraded(t, 3, []sqlArgs{
		{`INSERT INTO users (id, email, nickname, nickname_key, password_hash, created_at) VALUES (?, 'o@example.com', 'Owner', 'owner', x'00', 1)`, []any{owner[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at, seq) VALUES (?, ?, 'a', '', 1, 1, 1)`, []any{g1[:], owner[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at, seq) VALUES (?, ?, 'b', '', 1, 1, 2)`, []any{g2[:], owner[:]}},
		{`INSERT INTO pins (id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, created_at, updated_at)
			VALUES (?, ?, ?, 'p', '', 'k1', 'jpg', 1, 2, 1, 1)`, []any{p1[:], owner[:], g1[:]}},
		{`INSERT INTO pins (id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, image_alpha, created_at, updated_at)
			VALUES (?, ?, ?, 'p', '', 'k2', 'png', 3, 4, 1, 1, 1)`, []any{p2[:], owner[:], g1[:]}},
		{`INSERT INTO saves (id, pin_id, group_id, user_id, created_at) VALUES (?, ?, ?, ?, 1)`, []any{save[:], p1[:], g2[:], owner[:]}},
	}, store.Options{})
	groups, err := st.FindGroupsByOwner(ctx, owner)
	if err != nil || len(groups) != 2 {
		t.Fatalf("groups = %+v, %v", groups, err)
	}
	one := store.ImageRef{Key: "k1", Ext: "jpg", Width: 1, Height: 2}
	two := store.ImageRef{Key: "k2", Ext: "png", Width: 3, Height: 4, Alpha: true}
	want := map[bson.ObjectID][]store.ImageRef{g1: {two, one}, g2: {one}}
	for _, g := range groups {
		if !slices.Equal(g.Previews, want[g.ID]) {
			t.Errorf("previews of %s = %+v, want %+v", g.Title, g.Previews, want[g.ID])
		}
	}
}

// TestUpgradeKeepsCommentsBookmarksSavesAndNotifications: a database of schema step 7
// opens with its comments rekeyed by pin (step 8), its bookmarks and saves
// carrying their pins' seq (step 9) and its notifications rekeyed by
// recipient (step 10): every list still holds what it held, in order, and
// the counts and triggers keep working; related pins reach a saved pin by
// its seq (step 11).
func TestUpgradeKeepsCommentsBookmarksSavesAndNotifications(t *testing.T) {
	ctx := t.Context()
	owner, g1, g2, p1, p2 := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	reader, c1, c2, mark, save := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	n1, n2 := bson.NewObjectID(), bson.NewObjectID()
	g3, p3, save3 := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	st := openUpgraded(t, 7, []sqlArgs{
		{`INSERT INTO users (id, email, nickname, nickname_key, password_hash, created_at) VALUES (?, 'o@example.com', 'Owner', 'owner', x'00', 1)`, []any{owner[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at, seq) VALUES (?, ?, 'a', '', 1, 1, 1)`, []any{g1[:], owner[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at, seq) VALUES (?, ?, 'b', '', 1, 1, 2)`, []any{g2[:], owner[:]}},
		{`INSERT INTO pins (id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, created_at, updated_at)
			VALUES (?, ?, ?, 'one', '', 'k1', 'jpg', 1, 1, 1, 1)`, []any{p1[:], owner[:], g1[:]}},
		{`INSERT INTO pins (id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, created_at, updated_at)
			VALUES (?, ?, ?, 'two', '', 'k2', 'jpg', 1, 1, 1, 1)`, []any{p2[:], owner[:], g1[:]}},
		{`INSERT INTO comments (id, pin_id, author_id, content, created_at) VALUES (?, ?, ?, 'first', 1)`, []any{c1[:], p1[:], owner[:]}},
		{`INSERT INTO comments (id, pin_id, author_id, content, created_at) VALUES (?, ?, ?, 'second', 2)`, []any{c2[:], p1[:], owner[:]}},
		{`INSERT INTO users (id, email, nickname, nickname_key, password_hash, created_at) VALUES (?, 'r@example.com', 'Reader', 'reader', x'00', 1)`, []any{reader[:]}},
		{`INSERT INTO bookmarks (id, pin_id, user_id, created_at) VALUES (?, ?, ?, 1)`, []any{mark[:], p2[:], reader[:]}},
		{`INSERT INTO saves (id, pin_id, group_id, user_id, created_at) VALUES (?, ?, ?, ?, 1)`, []any{save[:], p1[:], g2[:], owner[:]}},
		{`INSERT INTO notifications (id, recipient_id, kind, actor_id, pin_id, read, created_at) VALUES (?, ?, 'like', ?, ?, 1, 1)`, []any{n1[:], owner[:], reader[:], p1[:]}},
		{`INSERT INTO notifications (id, recipient_id, kind, actor_id, pin_id, read, created_at) VALUES (?, ?, 'bookmark', ?, ?, 0, 2)`, []any{n2[:], owner[:], reader[:], p2[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at, seq) VALUES (?, ?, 'c', '', 1, 1, 3)`, []any{g3[:], owner[:]}},
		{`INSERT INTO pins (id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, created_at, updated_at)
			VALUES (?, ?, ?, 'three', '', 'k3', 'jpg', 1, 1, 1, 1)`, []any{p3[:], owner[:], g3[:]}},
		{`INSERT INTO saves (id, pin_id, group_id, user_id, created_at) VALUES (?, ?, ?, ?, 1)`, []any{save3[:], p1[:], g3[:], owner[:]}},
	}, store.Options{})

	comments, _, err := st.FindComments(ctx, p1, store.Page{})
	if err != nil || len(comments) != 2 || comments[0].ID != c1 || comments[1].ID != c2 {
		t.Fatalf("comments after the upgrade = %+v, %v", comments, err)
	}
	if _, _, err := st.CreateComment(ctx, p1, owner, "third"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteComment(ctx, c1, owner); err != nil {
		t.Fatal(err)
	}
	pin, err := st.FindPin(ctx, p1, owner)
	if err != nil || pin.Counts.Comments != 2 {
		t.Fatalf("pin after a comment added and one deleted = %+v, %v", pin, err)
	}
	marked, _, err := st.FindBookmarkedPins(ctx, reader, store.Page{})
	if err != nil || len(marked) != 1 || marked[0].ID != p2 {
		t.Fatalf("bookmarks after the upgrade = %+v, %v", marked, err)
	}
	if _, err := st.SetBookmark(ctx, p1, reader, true); err != nil {
		t.Fatal(err)
	}
	if marked, _, err = st.FindBookmarkedPins(ctx, reader, store.Page{}); err != nil || len(marked) != 2 || marked[0].ID != p1 {
		t.Fatalf("bookmarks after a new one = %+v, %v", marked, err)
	}
	saved, _, err := st.FindGroupPins(ctx, g2, owner, store.Page{})
	if err != nil || len(saved) != 1 || saved[0].ID != p1 {
		t.Fatalf("group of saves after the upgrade = %+v, %v", saved, err)
	}
	if _, err := st.SetSave(ctx, p2, g2, owner, true); err != nil {
		t.Fatal(err)
	}
	if saved, _, err = st.FindGroupPins(ctx, g2, owner, store.Page{}); err != nil || len(saved) != 2 || saved[0].ID != p2 {
		t.Fatalf("group of saves after a new save = %+v, %v", saved, err)
	}
	notes, err := st.FindNotifications(ctx, owner, store.Page{})
	if err != nil || notes.Unread != 1 || len(notes.Items) != 2 || notes.Items[0].ID != n2 || notes.Items[1].ID != n1 {
		t.Fatalf("notifications after the upgrade = %+v, %v", notes, err)
	}
	if err := st.MarkNotificationsRead(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if unread, err := st.UnreadCount(ctx, owner); err != nil || unread != 0 {
		t.Fatalf("unread after marking all read = %d, %v", unread, err)
	}
	// p1, saved into p3's group before the upgrade, is reached through
	// the save's seq (steps 9 and 11).
	related, _, err := st.FindRelatedPins(ctx, p3, owner, store.Page{})
	if err != nil || len(related) != 1 || related[0].ID != p1 {
		t.Fatalf("related pins of a group's own pin after the upgrade = %+v, %v", related, err)
	}
}

// openUpgraded makes a database at schema step n with inserts (dbAtStep)
// in a directory of its own and opens the store on it, which upgrades it;
// the store closes with the test.
func openUpgraded(t *testing.T, n int, inserts []sqlArgs, opts store.Options) *Store {
	t.Helper()
	dir := t.TempDir()
	if err := dbAtStep(t, dir, n, inserts).Close(); err != nil {
		t.Fatal(err)
	}
	st, err := Open(t.Context(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	return st
}

// dbAtStep creates the database file in dir at schema step n (the first
// n migrations, without their Go parts) and runs inserts in it; the
// caller closes it before opening the store.
func dbAtStep(t *testing.T, dir string, n int, inserts []sqlArgs) *sql.DB {
	t.Helper()
	ctx := t.Context()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	for v := range n {
		if _, err := db.ExecContext(ctx, migrations[v]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
		t.Fatal(err)
	}
	for _, q := range inserts {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// sqlArgs is one statement and its arguments.
type sqlArgs struct {
	sql  string
	args []any
}

// Upgrading hears of an existing database's upgrade, once, before it runs;
// neither a new database nor an up-to-date one is an upgrade.
func TestUpgradingIsToldOfAnUpgrade(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	if err := dbAtStep(t, dir, 7, nil).Close(); err != nil {
		t.Fatal(err)
	}
	var told [][2]int
	open := func(dir string) {
		st, err := OpenWith(ctx, dir, Options{Upgrading: func(from, to int) {
			var version int
			if err := rawDB(t, dir).QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version != from {
				t.Errorf("told of the upgrade at schema version %d (%v), want before it, at %d", version, err, from)
			}
			told = append(told, [2]int{from, to})
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	open(dir)
	open(dir)         // up to date now
	open(t.TempDir()) // a new database
	if want := [][2]int{{7, len(migrations)}}; !slices.Equal(told, want) {
		t.Fatalf("Upgrading told %v, want %v", told, want)
	}
}

// rawDB opens the database file in dir on a connection of its own.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
