package sqlitestore

import (
	"testing"

	"mypinterest/store"
)

// TestReadersMapTheFile: every reader connection maps the database file
// (a pool opens connections at any time, so each sets it on connect); the
// writer keeps reading through its page cache.
func TestReadersMapTheFile(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	// Two connections at once: the second is a fresh one from the pool.
	tx1, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	tx2, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback()
	var a, b, w int64
	if err := tx1.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := tx2.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&w); err != nil {
		t.Fatal(err)
	}
	if a != MaxMapBytes || b != MaxMapBytes || w != 0 {
		t.Fatalf("mmap_size: readers %d and %d, writer %d; want %d, %d, 0", a, b, w, MaxMapBytes, MaxMapBytes)
	}
}

// TestReadersMapAsConfigured: SQLITE_MMAP_MB's options reach every reader,
// none (NoMap) and a size below SQLite's ceiling, which is the most asked
// for.
func TestReadersMapAsConfigured(t *testing.T) {
	ctx := t.Context()
	for _, c := range []struct {
		name string
		opts Options
		want int64
	}{
		{"no map", Options{NoMap: true, MapBytes: 64 << 20}, 0},
		{"64 MiB", Options{MapBytes: 64 << 20}, 64 << 20},
		{"beyond the ceiling", Options{MapBytes: 8 << 30}, MaxMapBytes},
	} {
		s, err := OpenWith(ctx, t.TempDir(), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		if err := s.r.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		_ = s.Close(ctx)
		if got != c.want {
			t.Errorf("%s: readers' mmap_size %d, want %d", c.name, got, c.want)
		}
	}
}
