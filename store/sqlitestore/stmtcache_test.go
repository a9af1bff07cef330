package sqlitestore

import (
	"context"
	"fmt"
	"testing"

	"mypinterest/store"
)

// TestStmtCacheBusyStatement: the same SQL run again on one connection
// while the first rows are still being read gets a statement of its own;
// sharing the cached one would reset the first reader midway.
func TestStmtCacheBusyStatement(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	const q = `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n`
	tx, err := s.r.BeginTx(ctx, nil) // one connection for both queries
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.QueryContext(ctx, q, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var i int
		if err := outer.Scan(&i); err != nil {
			t.Fatal(err)
		}
		got = append(got, i)
		var inner []int
		rows, err := tx.QueryContext(ctx, q, 100, 102)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var j int
			if err := rows.Scan(&j); err != nil {
				t.Fatal(err)
			}
			inner = append(inner, j)
		}
		if err := rows.Err(); err != nil || fmt.Sprint(inner) != "[100 101 102]" {
			t.Fatalf("inner rows = %v, %v", inner, err)
		}
	}
	if err := outer.Err(); err != nil || fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("outer rows = %v, %v; want 1 to 5", got, err)
	}
}

// TestStmtCacheEviction: more distinct statements than the cache holds all
// run right, again after their eviction, and closing finalizes the rest.
func TestStmtCacheEviction(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for i := range stmtCacheSize + 20 {
			var got int
			if err := s.r.QueryRowContext(ctx, fmt.Sprintf("SELECT %d + ?", i), round).Scan(&got); err != nil || got != i+round {
				t.Fatalf("SELECT %d + %d = %d, %v", i, round, got, err)
			}
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
