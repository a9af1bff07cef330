package migrate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/migrate"
	"mypinterest/store/migrate/migratetest"
	"mypinterest/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var fast = store.Options{PasswordCost: bcrypt.MinCost}

// small batches make even the little world a copy of many batches.
var small = migrate.Options{BatchSize: 2, ImageBatchSize: 1}

// copyStores is a source holding a world and an empty target.
type copyStores interface {
	store.Store
	store.Transfer
}

// checkCopied fails unless to holds what from holds, counted and read.
func checkCopied(t *testing.T, from, to copyStores, w migratetest.World) {
	t.Helper()
	ctx := context.Background()
	counts, err := migrate.Verify(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != len(store.Kinds) {
		t.Fatalf("Verify returned %d counts, want %d", len(counts), len(store.Kinds))
	}
	migratetest.WantCounts(t, to, w)
	want, got := migratetest.Snapshot(t, from, w), migratetest.Snapshot(t, to, w)
	if got != want {
		t.Fatalf("the target reads differently:\n%s", migratetest.Diff(want, got))
	}
}

// testCopy copies a world from from to to, checks it, and copies again.
func testCopy(t *testing.T, from, to copyStores) {
	ctx := context.Background()
	w := migratetest.Build(t, from, 3)
	migratetest.WantCounts(t, from, w)

	var reports []migrate.Progress
	opts := small
	opts.Progress = func(p migrate.Progress) { reports = append(reports, p) }
	if err := migrate.Copy(ctx, from, to, opts); err != nil {
		t.Fatal(err)
	}
	checkCopied(t, from, to, w)
	checkProgress(t, reports, w)

	// A second copy finds everything there and changes nothing.
	if err := migrate.Copy(ctx, from, to, small); err != nil {
		t.Fatalf("copy again: %v", err)
	}
	checkCopied(t, from, to, w)
}

// checkProgress fails unless every kind was reported from 0 to its total,
// in order, with a finishing report.
func checkProgress(t *testing.T, reports []migrate.Progress, w migratetest.World) {
	t.Helper()
	last := map[store.Kind]migrate.Progress{}
	var order []store.Kind
	for _, p := range reports {
		prev, seen := last[p.Kind]
		if !seen {
			order = append(order, p.Kind)
			if p.Done != 0 {
				t.Errorf("%s: first report at %d", p.Kind, p.Done)
			}
		} else if p.Done < prev.Done || prev.Finished {
			t.Errorf("%s: report %+v after %+v", p.Kind, p, prev)
		}
		last[p.Kind] = p
	}
	if len(order) != len(store.Kinds) {
		t.Fatalf("reported kinds %v, want %v", order, store.Kinds)
	}
	for i, k := range store.Kinds {
		p := last[k]
		if order[i] != k || !p.Finished || p.Done != w.Records[k] || p.Total != w.Records[k] {
			t.Errorf("%s: last report %+v, want %d finished", k, p, w.Records[k])
		}
		if p.Done > 0 && (p.Rate() <= 0 || p.ETA() != 0) {
			t.Errorf("%s: rate %v, eta %v at the end", k, p.Rate(), p.ETA())
		}
	}
}

func TestCopyMongoToMongo(t *testing.T) {
	testCopy(t, storetest.NewMongo(t, fast), storetest.NewMongo(t, fast))
}

// Moving house: the embedded store into MongoDB.
func TestCopySQLiteToMongo(t *testing.T) {
	testCopy(t, storetest.SQLite(t, fast), storetest.NewMongo(t, fast))
}

// A FerretDB-era database into the embedded store.
func TestCopyMongoToSQLite(t *testing.T) {
	testCopy(t, storetest.NewMongo(t, fast), storetest.SQLite(t, fast))
}

// testResume interrupts a copy after a few batches and runs it again.
func testResume(t *testing.T, from, to copyStores) {
	w := migratetest.Build(t, from, 6)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := 0
	opts := small
	opts.Progress = func(p migrate.Progress) {
		// Stop in the middle of the comments (more than one batch).
		if p.Kind == store.KindComments && p.Done >= 4 {
			cancel()
		}
		batches++
	}
	err := migrate.Copy(ctx, from, to, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted copy: %v, want context.Canceled", err)
	}
	_, err = migrate.Verify(context.Background(), from, to)
	var mm *migrate.MismatchError
	if !errors.As(err, &mm) {
		t.Fatalf("Verify after an interrupted copy: %v, want a mismatch", err)
	}
	t.Logf("after %d reports: %v", batches, err)
	for _, c := range mm.Counts {
		if c.To >= c.From {
			t.Errorf("mismatch %+v: the target is not behind", c)
		}
	}
	if err := migrate.Copy(context.Background(), from, to, small); err != nil {
		t.Fatalf("resumed copy: %v", err)
	}
	checkCopied(t, from, to, w)
}

func TestCopyResumesMongoToMongo(t *testing.T) {
	testResume(t, storetest.NewMongo(t, fast), storetest.NewMongo(t, fast))
}

func TestCopyResumesSQLiteToMongo(t *testing.T) {
	testResume(t, storetest.SQLite(t, fast), storetest.NewMongo(t, fast))
}

func TestCopyResumesMongoToSQLite(t *testing.T) {
	testResume(t, storetest.NewMongo(t, fast), storetest.SQLite(t, fast))
}

func TestProgressRateAndETA(t *testing.T) {
	p := migrate.Progress{Done: 250, Total: 1000, Elapsed: 5 * time.Second}
	if p.Rate() != 50 || p.ETA() != 15*time.Second {
		t.Fatalf("rate %v eta %v, want 50/s and 15s", p.Rate(), p.ETA())
	}
	if (migrate.Progress{Total: 10}).ETA() != 0 {
		t.Fatal("an ETA before anything was written")
	}
}

func TestMismatchErrorNamesKinds(t *testing.T) {
	err := &migrate.MismatchError{Counts: []migrate.Count{{Kind: store.KindPins, From: 5, To: 4}}}
	if got, want := err.Error(), "counts differ after the copy (pins: 5 in the source, 4 in the target)"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
