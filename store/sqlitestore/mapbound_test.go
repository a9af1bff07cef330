package sqlitestore

import (
	"bufio"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReadersDropTheirMapsBeyondTheBound: once the process's resident file
// pages pass Options.MapResident, every reader maps the file anew before
// its next query, so the pages it had touched leave the process; without
// the bound they stay. A bound of one byte is always exceeded (the test
// binary's own pages count).
func TestReadersDropTheirMapsBeyondTheBound(t *testing.T) {
	if _, err := residentFileBytes(); err != nil {
		t.Skip("no /proc/self/statm:", err)
	}
	ctx := t.Context()
	for _, c := range []struct {
		name     string
		resident int64
		dropped  bool
	}{
		{"unbounded", -1, false},
		{"bounded", 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := OpenWith(ctx, dir, Options{MapResident: c.resident})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close(ctx) })
			// 4,096 rows of one page each, checkpointed into the file the
			// readers map.
			for _, q := range []string{
				`CREATE TABLE filler (b BLOB)`,
				`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4096)
				 INSERT INTO filler SELECT zeroblob(3000) FROM n`,
				`PRAGMA wal_checkpoint(TRUNCATE)`,
			} {
				if _, err := s.w.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, FileName)
			// Measured while the readers are held: a bound of one byte
			// would have them drop their maps as soon as they are idle.
			var before int64
			everyReader(t, s, `SELECT sum(length(b)) FROM filler`, func() { before = mappedBytes(t, path) })
			if before < 8<<20 {
				t.Fatalf("readers map %d bytes of the file after reading 16 MiB of it", before)
			}
			if !c.dropped {
				everyReader(t, s, `SELECT 1`, nil)
				if after := mappedBytes(t, path); after < before/4 {
					t.Errorf("unbounded: mapped file pages %d bytes before, %d after every reader's next query", before, after)
				}
				return
			}
			// Idle readers drop their maps too, with no query to hand
			// them out.
			waitFor(t, func() bool { return mappedBytes(t, path) < before/4 })
			// The readers answer from their new maps.
			everyReader(t, s, `SELECT sum(length(b)) FROM filler`, nil)
		})
	}
}

// everyReader runs query on each reader connection of s at once, so that
// every one of them is handed out (and reset) by the pool, and calls held
// (if not nil) before giving them back.
func everyReader(t *testing.T, s *Store, query string, held func()) {
	t.Helper()
	ctx := t.Context()
	conns := make([]*sql.Conn, s.r.Stats().MaxOpenConnections)
	for i := range conns {
		c, err := s.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	for _, c := range conns {
		var v any
		if err := c.QueryRowContext(ctx, query).Scan(&v); err != nil {
			t.Fatal(err)
		}
	}
	if held != nil {
		held()
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// mappedBytes sums the resident pages of every mapping of path in this
// process (/proc/self/smaps).
func mappedBytes(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sum int64
	inFile := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			inFile = len(fields) == 6 && fields[5] == path
		case inFile && len(fields) == 3 && fields[0] == "Rss:":
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			sum += kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestReadsStayRightWhileMapsDrop: with a bound that is always exceeded,
// readers drop and remake their maps between queries all the time (and
// the watcher takes the idle ones); concurrent reads of a file larger than
// a reader's page cache keep returning the right answers, with no error.
func TestReadsStayRightWhileMapsDrop(t *testing.T) {
	ctx := t.Context()
	s := openOverBound(t)
	for _, q := range []string{
		`CREATE TABLE nums (n INTEGER PRIMARY KEY, pad BLOB)`,
		`WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 8192)
		 INSERT INTO nums SELECT i, zeroblob(1000) FROM r`,
		`PRAGMA wal_checkpoint(TRUNCATE)`,
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Reads go on until the readers have mapped the file anew a dozen
	// times (the watcher raises the bound every mapCheckEvery), so that
	// queries run on maps dropped and remade under them.
	const workers, remaps = 8, 12
	from := s.bound.remaps.Load()
	deadline := time.Now().Add(30 * time.Second)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := 0; s.bound.remaps.Load()-from < remaps; i++ {
				if time.Now().After(deadline) {
					errs <- fmt.Errorf("%d remaps in 30 s, want %d", s.bound.remaps.Load()-from, remaps)
					return
				}
				// A range somewhere in the table, its sum known in advance.
				lo := int64((w*7919+i*61)%8000 + 1)
				hi := lo + 150
				var sum int64
				if err := s.r.QueryRowContext(ctx, `SELECT sum(n) FROM nums WHERE n BETWEEN ? AND ?`, lo, hi).Scan(&sum); err != nil {
					errs <- err
					return
				}
				if want := (lo + hi) * (hi - lo + 1) / 2; sum != want {
					errs <- fmt.Errorf("sum of %d..%d = %d, want %d", lo, hi, sum, want)
					return
				}
				if i%16 != 0 {
					continue
				}
				var total int64
				if err := s.r.QueryRowContext(ctx, `SELECT sum(length(pad)) FROM nums`).Scan(&total); err != nil {
					errs <- err
					return
				}
				if total != 8192*1000 {
					errs <- fmt.Errorf("total pad %d, want %d", total, 8192*1000)
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestIdleReadersWaitWhileOneIsBusy: while any reader is busy, the watcher
// leaves the idle ones alone (taking them would make requests wait); they
// drop their maps when next handed out, and once none is busy the watcher
// takes them itself.
func TestIdleReadersWaitWhileOneIsBusy(t *testing.T) {
	ctx := t.Context()
	s := openOverBound(t)
	// Every reader open and idle, then one of them busy.
	everyReader(t, s, `SELECT 1`, nil)
	busy, err := s.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from, rounds := s.bound.remaps.Load(), s.bound.gen.Load()
	// Three rounds of the watcher, each seeing the bound exceeded.
	waitFor(t, func() bool { return s.bound.gen.Load() >= rounds+3 })
	if n := s.bound.remaps.Load() - from; n != 0 {
		t.Fatalf("%d idle readers remapped while one was busy", n)
	}
	_ = busy.Close()
	waitFor(t, func() bool { return s.bound.remaps.Load() > from })
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(mapCheckEvery / 4)
	}
}

// openOverBound opens a store whose readers' bound (one byte) is always
// exceeded, so the watcher raises it every round; it skips where there
// is no /proc.
func openOverBound(t *testing.T) *Store {
	t.Helper()
	if _, err := residentFileBytes(); err != nil {
		t.Skip("no /proc/self/statm:", err)
	}
	s, err := OpenWith(t.Context(), t.TempDir(), Options{MapResident: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(t.Context()) })
	return s
}
