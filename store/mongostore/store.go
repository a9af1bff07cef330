// Package mongostore keeps the domain of package store in MongoDB, for
// the scaled mode: any number of instances share one database. Everything
// sent to the database runs on both MongoDB 7 and FerretDB 1.24 (the test
// double): no $lookup, no transactions, and only the $sum/$count
// accumulators.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"mypinterest/store"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Options tune a Store: the domain's options and the driver's monitors.
type Options struct {
	store.Options
	// Monitor, when set, sees every command sent (tests count round trips).
	Monitor *event.CommandMonitor
	// PoolMonitor, when set, sees connection pool events (metrics).
	PoolMonitor *event.PoolMonitor
	// CacheBytes bounds the memory of cached documents, counts and
	// first pages (approximate sizes); 0 means DefaultCacheBytes. Image
	// files have a budget of their own (imageCacheBytes).
	CacheBytes int64
	// NoCache turns every cache off, image files included: every read
	// goes to the database. The caches only save round trips; the
	// store's answers are the same without them (the conformance suite
	// runs both ways).
	NoCache bool
	// NoTermsBackfill skips giving search terms, at Open, to pins
	// written before pins carried them (see backfillTerms): for a store
	// opened only to be copied from, which never searches. On FerretDB
	// the backfill costs about one update command per legacy pin.
	NoTermsBackfill bool
	// OpTimeout bounds each command sent for a request (see
	// deadline.go); 0 means DefaultOpTimeout, a negative value no bound
	// but the caller's context.
	OpTimeout time.Duration
}

// DefaultCacheBytes is the entity cache's budget when Options.CacheBytes
// is 0.
const DefaultCacheBytes = 64 << 20

// Store holds the database handle, its collections and the caches.
type Store struct {
	client *mongo.Client
	db     *mongo.Database

	users, follows, groups, pins, comments       *collection
	likes, bookmarks, notifications, revocations *collection
	revisions, saves                             *collection
	opTimeout                                    time.Duration

	cache  *cache      // nil with Options.NoCache
	images *imageCache // GridFS files by name, see image.go; nil with NoCache
	opts   Options
	// cursorKey signs and checks cursors: Options.CursorKey or random.
	cursorKey []byte
	// onInvalidate, when set, is told of every local invalidation so that
	// other instances can drop the same keys.
	onInvalidate func(keys []string)
}

// Open connects to uri, selects database dbName and makes sure every index
// exists. It does not return until the server answers a ping.
func Open(ctx context.Context, uri, dbName string, opts Options) (*Store, error) {
	copts := options.Client().ApplyURI(uri).
		SetTimeout(15 * time.Second).
		// A database that is down is a 503 within 2 s (docs/API.md §Errors), not a
		// wait for the driver's 30 s default.
		SetServerSelectionTimeout(time.Second).
		SetConnectTimeout(time.Second).
		SetMaxPoolSize(128)
	if opts.Monitor != nil {
		copts.SetMonitor(opts.Monitor)
	}
	if opts.PoolMonitor != nil {
		copts.SetPoolMonitor(opts.PoolMonitor)
	}
	client, err := mongo.Connect(copts)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := client.Ping(ctx, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("store: ping: %w", err)
	}
	s := newStore(client, dbName, opts)
	// Index builds and the backfill are start-up work over whole
	// collections, bounded by ctx alone.
	ctx = longRunning(ctx)
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if !opts.NoTermsBackfill {
		if err := s.backfillTerms(ctx); err != nil {
			_ = client.Disconnect(context.Background())
			return nil, err
		}
	}
	if err := s.backfillSecret(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

func newStore(client *mongo.Client, dbName string, opts Options) *Store {
	db := client.Database(dbName)
	ttl := opts.CacheTTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	cursorKey := append([]byte(nil), opts.CursorKey...)
	if len(cursorKey) == 0 {
		cursorKey = store.NewCursorKey()
	}
	var c *cache
	var images *imageCache
	if !opts.NoCache {
		size := opts.CacheBytes
		if size <= 0 {
			size = DefaultCacheBytes
		}
		c, images = newCache(ttl, size), newImageCache(imageCacheBytes)
	}
	opTimeout := opts.OpTimeout
	if opTimeout == 0 {
		opTimeout = DefaultOpTimeout
	}
	coll := func(name string) *collection {
		return &collection{Collection: db.Collection(name), timeout: opTimeout}
	}
	return &Store{
		client:        client,
		db:            db,
		users:         coll("users"),
		follows:       coll("follows"),
		groups:        coll("groups"),
		pins:          coll("pins"),
		comments:      coll("comments"),
		likes:         coll("likes"),
		bookmarks:     coll("bookmarks"),
		notifications: coll("notifications"),
		revocations:   coll("revocations"),
		revisions:     coll("revisions"),
		saves:         coll("saves"),
		opTimeout:     opTimeout,
		cache:         c,
		images:        images,
		opts:          opts,
		cursorKey:     cursorKey,
	}
}

// listScope returns the cursor scope of the list named name.
func (s *Store) listScope(name string) store.ListScope {
	return store.ListScope{Key: s.cursorKey, Name: name}
}

// Close disconnects from the database.
func (s *Store) Close(ctx context.Context) error {
	return s.client.Disconnect(ctx)
}

// Ping reports whether the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := bound(ctx, s.opTimeout)
	defer cancel()
	return unavailable(s.client.Ping(ctx, nil))
}

// Database returns the underlying database (GridFS, tests).
func (s *Store) Database() *mongo.Database { return s.db }

// OnInvalidate registers fn to hear about every local cache invalidation,
// so that it can be broadcast to other instances. Call before serving.
func (s *Store) OnInvalidate(fn func(keys []string)) { s.onInvalidate = fn }

// ApplyInvalidation drops keys invalidated by another instance.
func (s *Store) ApplyInvalidation(keys []string) { s.cache.invalidate(keys...) }

// invalidate drops keys locally and tells other instances.
func (s *Store) invalidate(keys ...string) {
	if len(keys) == 0 {
		return
	}
	s.cache.invalidate(keys...)
	if s.onInvalidate != nil {
		s.onInvalidate(keys)
	}
}

// mapErr turns driver errors into domain errors.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return store.ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		return &store.Error{Code: store.EConflict, Message: "Already exists."}
	}
	return unavailable(err)
}
