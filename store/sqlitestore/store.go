// Package sqlitestore keeps the domain of package store in one SQLite file
// under DATA_DIR: the embedded default, the whole product on one machine
// with nothing installed. Every query is served by an index (schema.go),
// writes are transactions (a cascade is all or nothing), and counts are
// columns kept exact by triggers, so no page grows slower with the data.
//
// Writes go through one connection (SQLite has one writer at a time; a
// queue in Go is cheaper than busy retries); reads through a pool that WAL
// lets run beside it.
package sqlitestore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"mypinterest/store"
)

// FileName is the database file inside the data directory.
const FileName = "mypinterest.db"

// MaxMapBytes is how much of the database file the readers map by default
// and at most (Options.MapBytes, SQLITE_MMAP_MB): SQLite's ceiling (2 GiB
// less 64 KiB), beyond which pages are read as before.
const MaxMapBytes = 0x7fff0000

// Store is the SQLite implementation of store.Store and store.Transfer.
type Store struct {
	w, r      *sql.DB // one writer connection, a pool of readers
	ckpt      *checkpointer
	notes     *noteWriter
	bound     *mapBound
	lock      *os.File // the data directory's, held shared (nil without flock)
	opts      store.Options
	cursorKey []byte
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.SessionUsers = (*Store)(nil)
	_ store.Transfer     = (*Store)(nil)
)

// Options are store.Options and what only the SQLite store has.
type Options struct {
	store.Options
	// MapBytes is how much of the database file the readers map (0 is
	// MaxMapBytes, SQLite's ceiling); NoMap maps none of it and reads every
	// page a reader's cache misses with read(). The map is faster when a
	// page of random pins misses the cache, but every page it touches
	// counts in the process's RSS (docs/SQLITE.md, "Memory").
	MapBytes int64
	NoMap    bool
	// MapResident bounds the resident pages of mapped files in the
	// process, the binary's included (0 is DefaultMapResident; negative
	// leaves the maps unbounded): beyond it each reader drops its map
	// before its next query (mapbound.go).
	MapResident int64
	// Upgrading, if set, is told before an existing database's schema is
	// brought from step from to step to: at a million pins that takes
	// tens of seconds, once, before Open returns.
	Upgrading func(from, to int)
}

// Open opens (creating if needed) the database in dir and brings its schema
// up to date.
func Open(ctx context.Context, dir string, opts store.Options) (*Store, error) {
	return OpenWith(ctx, dir, Options{Options: opts})
}

// OpenWith is Open with the SQLite store's own options. The store holds
// the directory's lock shared until Close (dirlock.go), so that Compact
// cannot replace the file under it.
func OpenWith(ctx context.Context, dir string, o Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlitestore: data dir: %w", err)
	}
	lock, err := lockDir(dir, false)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, dir, o)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// open opens the store in dir without taking the directory's lock.
func open(ctx context.Context, dir string, o Options) (*Store, error) {
	opts := o.Options
	mapped := int64(MaxMapBytes)
	switch {
	case o.NoMap:
		mapped = 0
	case o.MapBytes > 0:
		mapped = min(o.MapBytes, MaxMapBytes)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlitestore: data dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// Each connection sets these itself (the driver runs _pragma on
	// connect): a pool may open a connection at any time. Every connection
	// has a page cache of its own (anonymous memory, counted in RSS), so
	// the readers' are smaller. What they miss they read through a memory
	// map of the file (MaxMapBytes): a list of random pins (bookmarks, a
	// feed) misses on most of its pages at 1M pins, and a read() per page
	// cost more than the rest of the request. The mapped pages are the
	// kernel's file cache, shared by every connection; they count in RSS
	// as file pages (RssFile) once touched, not as memory of the process.
	common := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
	w, err := openDB(common+"&_pragma=cache_size(-16384)&_pragma=journal_mode(WAL)&_txlock=immediate", nil)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w, o.Upgrading); err != nil {
		_ = w.Close()
		return nil, err
	}
	c, err := openDB(common, nil)
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	ckpt := newCheckpointer(c)
	var bound *mapBound
	if resident := cmp.Or(o.MapResident, DefaultMapResident); mapped > 0 && resident > 0 {
		bound = newMapBound(resident, mapped)
	}
	r, err := openDB(common+"&_pragma=cache_size(-8192)&_pragma=query_only(1)"+
		fmt.Sprintf("&_pragma=mmap_size(%d)", mapped), bound)
	if err != nil {
		bound.close()
		_ = ckpt.close()
		_ = w.Close()
		return nil, err
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	key := append([]byte(nil), opts.CursorKey...)
	if len(key) == 0 {
		key = store.NewCursorKey()
	}
	s := &Store{w: w, r: r, ckpt: ckpt, bound: bound, opts: opts, cursorKey: key}
	s.notes = newNoteWriter(s)
	if bound != nil {
		bound.start(s.cycleIdleReaders)
	}
	return s, nil
}

// cycleIdleReaders takes every reader the pool holds idle, at once, and
// gives them back: taking one resets it (cachingConn.ResetSession). It
// does nothing while any reader is busy: under load each is reset when
// next handed out, and taking them would make requests wait.
func (s *Store) cycleIdleReaders(ctx context.Context) {
	st := s.r.Stats()
	if st.InUse > 0 {
		return
	}
	var held []*sql.Conn
	for range st.Idle {
		c, err := s.r.Conn(ctx)
		if err != nil {
			break
		}
		held = append(held, c)
	}
	for _, c := range held {
		_ = c.Close()
	}
}

// openDB opens a pool whose connections keep their prepared statements
// (stmtcache.go).
func openDB(dsn string, bound *mapBound) (*sql.DB, error) {
	c, err := newCachingConnector(dsn, bound)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	return sql.OpenDB(c), nil
}

// Close closes both pools, after a checkpoint that folds the WAL back into
// the database file.
func (s *Store) Close(ctx context.Context) error {
	s.notes.close()
	cerr := s.ckpt.close()
	_, _ = s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	s.bound.close()
	err := errors.Join(cerr, s.r.Close(), s.w.Close())
	if s.lock != nil {
		err = errors.Join(err, s.lock.Close())
	}
	return err
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.r.PingContext(ctx)
}

// ResumeDeletions has nothing to finish: every cascade is one transaction.
func (s *Store) ResumeDeletions(context.Context) error { return nil }

// listScope returns the cursor scope of the list named name.
func (s *Store) listScope(name string) store.ListScope {
	return store.ListScope{Key: s.cursorKey, Name: name}
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE: it takes the write
// lock at once, so it never fails half-way for a lock) and commits it.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err)
	}
	s.ckpt.committed()
	return nil
}

// isConstraint reports whether err is a violated UNIQUE or PRIMARY KEY
// constraint: a duplicate.
func isDuplicate(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// mapErr turns driver errors into domain errors: a missing row is
// ErrNotFound, a busy or interrupted database is unavailable.
func mapErr(err error) error {
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case isDuplicate(err):
		return &store.Error{Code: store.EConflict, Message: "Already exists."}
	case errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED):
		return &store.Error{Code: store.EUnavailable, Message: "The database is busy; try again."}
	}
	return err
}

// ms and fromMS convert times to the stored Unix milliseconds and back.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// idScan scans a 12-byte BLOB into an ObjectID.
type idScan struct{ dst *bson.ObjectID }

func (s idScan) Scan(v any) error {
	b, ok := v.([]byte)
	if !ok || len(b) != len(bson.ObjectID{}) {
		return fmt.Errorf("sqlitestore: id column holds %T", v)
	}
	copy(s.dst[:], b)
	return nil
}

// nullIDScan scans a nullable id into a pointer left nil for NULL.
type nullIDScan struct{ dst **bson.ObjectID }

func (s nullIDScan) Scan(v any) error {
	if v == nil {
		*s.dst = nil
		return nil
	}
	id := new(bson.ObjectID)
	if err := (idScan{id}).Scan(v); err != nil {
		return err
	}
	*s.dst = id
	return nil
}

// idArgs returns ids as query arguments.
func idArgs(ids []bson.ObjectID) []any {
	out := make([]any, len(ids))
	for i := range ids {
		out[i] = ids[i][:]
	}
	return out
}

// placeholders returns "?,?,…" for n arguments.
func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}
