// Package storetest gives tests real stores: the embedded default (SQLite
// in a temporary directory), and MongoDB — the server at MONGODB_URI when
// set, otherwise one embedded FerretDB per test binary in a temporary
// directory, each test with its own database, dropped when it ends — and
// Run, the conformance suite that holds every store to the same domain
// rules (conformance*.go).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
)

var (
	once    sync.Once
	uri     string
	dir     string
	emb     *mongostore.Embedded
	initErr error
)

// URI returns the address of the shared test server, starting the embedded
// one on first use.
func URI(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if u := os.Getenv("MONGODB_URI"); u != "" {
			uri = u
			return
		}
		dir, initErr = os.MkdirTemp("", "mypinterest-ferretdb-")
		if initErr != nil {
			return
		}
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		emb, initErr = mongostore.StartEmbedded(dir, "", logger)
		if initErr == nil {
			uri = emb.URI()
		}
	})
	if initErr != nil {
		tb.Fatalf("storetest: start database: %v", initErr)
	}
	return uri
}

// Main runs the tests of a package and then stops the embedded server and
// removes its files. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if emb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = emb.Stop(ctx)
		cancel()
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// DBName returns a database name no other test uses.
func DBName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test_" + hex.EncodeToString(b)
}

// New opens the embedded default store (SQLite) for a test; its files go
// with the test's temporary directory.
func New(tb testing.TB, opts ...store.Options) store.Store {
	tb.Helper()
	var o store.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return SQLite(tb, o)
}

// NewMongo opens a MongoDB store on a fresh database dropped at the end of
// the test.
func NewMongo(tb testing.TB, opts ...store.Options) *mongostore.Store {
	tb.Helper()
	var o mongostore.Options
	if len(opts) > 0 {
		o.Options = opts[0]
	}
	return Mongo(tb, o)
}

// Mongo opens a MongoDB store on a fresh database dropped at the end of the
// test.
func Mongo(tb testing.TB, o mongostore.Options) *mongostore.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := mongostore.Open(ctx, URI(tb), DBName(), o)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Database().Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}

// SQLite opens an embedded store in a temporary directory removed at the
// end of the test.
func SQLite(tb testing.TB, opts store.Options) *sqlitestore.Store {
	tb.Helper()
	s, err := sqlitestore.Open(context.Background(), tb.TempDir(), opts)
	if err != nil {
		tb.Fatalf("storetest: open sqlite: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
