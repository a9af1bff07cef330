package sqlitestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestSearchTermsMigration: a database written before search_terms
// (schema step 1) finds its pins by long prefixes after the upgrade, which
// fills search_terms from the words the index already holds.
func TestSearchTermsMigration(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	user, group, pin := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	for _, q := range []string{migrations[0], `PRAGMA user_version = 1`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, email, nickname, nickname_key, password_hash, created_at) VALUES (?, 'a@x.test', 'a', 'a', x'00', 0)`, []any{user[:]}},
		{`INSERT INTO pin_groups (id, owner_id, title, content, created_at, updated_at) VALUES (?, ?, 'g', '', 0, 0)`, []any{group[:], user[:]}},
		{`INSERT INTO pins (seq, id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h, created_at, updated_at)
			VALUES (7, ?, ?, ?, 'Sunsets', '바닷가 여행', 'k', 'jpg', 1, 1, 0, 0)`, []any{pin[:], user[:], group[:]}},
		{`INSERT INTO pin_words (rowid, words) VALUES (7, 'sunsets 바닷가 여행')`, nil},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for q, want := range map[string]int{"sunset": 1, "SUNSETS": 1, "sunsetz": 0, "바닷": 1, "sunset 여행": 1, "sunset 바다": 0} {
		got, _, err := s.FindPins(ctx, store.PinQuery{Query: q}, bson.NilObjectID, store.Page{})
		if err != nil || len(got) != want || (want == 1 && got[0].ID != pin) {
			t.Errorf("search %q = %d pins, %v; want %d", q, len(got), err, want)
		}
	}
}
