package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// fillAndThin imports n pins with long texts into a store in dir and
// deletes every other one, leaving free pages behind, and returns the
// pins kept.
func fillAndThin(t *testing.T, dir string, n int) []store.Pin {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := store.User{ID: bson.NewObjectID(), Email: "a@x.test", Nickname: "owner", PasswordHash: []byte("x"), CreatedAt: at}
	g := store.Group{ID: bson.NewObjectID(), OwnerID: u.ID, Title: "g", CreatedAt: at, UpdatedAt: at}
	pins := make([]store.Pin, n)
	for i := range pins {
		pins[i] = store.Pin{ID: bson.NewObjectID(), AuthorID: u.ID, GroupID: g.ID, Title: fmt.Sprintf("pin %d", i),
			Content: strings.Repeat(fmt.Sprintf("word%d ", i), 60), Image: store.ImageRef{Key: "k", Ext: "jpg", Width: 3, Height: 4},
			CreatedAt: at, UpdatedAt: at}
	}
	for _, b := range []store.Batch{{Kind: store.KindUsers, Users: []store.User{u}},
		{Kind: store.KindGroups, Groups: []store.Group{g}}, {Kind: store.KindPins, Pins: pins}} {
		if err := s.Import(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	var kept []store.Pin
	for i, p := range pins {
		if i%2 == 1 {
			kept = append(kept, p)
			continue
		}
		if err := s.DeletePin(ctx, p.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return kept
}

func TestCompactShrinksTheFileAndKeepsEveryRow(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	kept := fillAndThin(t, dir, 400)

	res, err := Compact(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.After >= res.Before {
		t.Fatalf("file %d bytes before, %d after: nothing reclaimed", res.Before, res.After)
	}
	for _, left := range []string{".compact", ".compact-wal", ".compact-shm"} {
		if _, err := os.Stat(filepath.Join(dir, FileName+left)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s is left behind: %v", FileName+left, err)
		}
	}
	// Still in WAL mode (the header's read and write versions are 2), so
	// that the next start does not switch it.
	f, err := os.Open(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	header := make([]byte, 20)
	_, err = f.ReadAt(header, 0)
	f.Close()
	if err != nil || header[18] != 2 || header[19] != 2 {
		t.Fatalf("compacted file's header bytes 18–19: %v (err %v), want 2 2 (WAL)", header[18:20], err)
	}
	s, err := Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if n, err := s.Count(ctx, store.KindPins); err != nil || n != int64(len(kept)) {
		t.Fatalf("%d pins after compacting (err %v), want %d", n, err, len(kept))
	}
	for _, p := range []store.Pin{kept[0], kept[len(kept)-1]} {
		got, err := s.FindPin(ctx, p.ID, bson.NilObjectID)
		if err != nil || got.Content != p.Content {
			t.Fatalf("pin %s after compacting: %v, %+v", p.Title, err, got)
		}
	}
	// The search index came along too.
	found, _, err := s.FindPins(ctx, store.PinQuery{Query: "word1"}, bson.NilObjectID, store.Page{Limit: 5})
	if err != nil || len(found) == 0 {
		t.Fatalf("search after compacting: %v, %d pins", err, len(found))
	}
}

func TestCompactWaitsForNobodyAndReplacesNothingInUse(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	fillAndThin(t, dir, 10)
	s, err := Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compact(ctx, dir); !errors.Is(err, ErrDataDirInUse) {
		t.Fatalf("compacting a directory a store has open: %v, want ErrDataDirInUse", err)
	}
	after, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the open store's file was replaced (err %v)", err)
	}
	if n, err := s.Count(ctx, store.KindPins); err != nil || n != 5 {
		t.Fatalf("the open store after a refused compaction: %d pins, %v", n, err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Compact(ctx, dir); err != nil {
		t.Fatalf("compacting once the store is closed: %v", err)
	}
}

func TestOpenIsRefusedWhileCompacting(t *testing.T) {
	dir := t.TempDir()
	lock, err := lockDir(dir, true) // as Compact holds it
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if s, err := Open(t.Context(), dir, store.Options{}); !errors.Is(err, ErrDataDirInUse) {
		if s != nil {
			_ = s.Close(context.Background())
		}
		t.Fatalf("opening a directory being compacted: %v, want ErrDataDirInUse", err)
	}
}
