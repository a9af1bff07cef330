package main

import (
	"cmp"
	"context"
	"time"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
)

// sqliteOptions are the embedded store's options: SQLITE_MMAP_MB and
// SQLITE_MMAP_RESIDENT_MB, where 0 means no map and no bound.
func sqliteOptions(cfg *Config, opts store.Options) sqlitestore.Options {
	return sqlitestore.Options{
		Options:     opts,
		MapBytes:    int64(cfg.SQLiteMapMB) << 20,
		NoMap:       cfg.SQLiteMapMB == 0,
		MapResident: cmp.Or(int64(cfg.SQLiteResidentMB)<<20, -1), // the store's "unbounded" is negative
	}
}

// openTimeout bounds how long start-up waits for MongoDB (and Redis, and
// the deletions a crash interrupted).
const openTimeout = 60 * time.Second

// openStore opens the database the configuration names: the embedded
// SQLite file under DATA_DIR (one instance), or the MongoDB at MONGODB_URI
// (any number of instances).
func (m *Main) openStore(ctx context.Context) (store.Store, error) {
	cfg := m.cfg
	opts := store.Options{
		AllowedEmailDomains: cfg.AllowedEmailDomains,
		CursorKey:           cursorKey(cfg.JWTSecret),
	}
	if cfg.Embedded() {
		// Data of the FerretDB-era layout is never left behind unseen.
		if err := checkLegacyDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
		m.logger.Info("no MONGODB_URI: embedded SQLite", "dir", cfg.DataDir)
		// No deadline: opening is local work, and bringing the schema up
		// to date (one transaction per step) can take tens of seconds at
		// a million pins; a step cut short would be retried from scratch
		// on every start. The log says so while it happens.
		so := sqliteOptions(cfg, opts)
		so.Upgrading = func(from, to int) {
			m.logger.Info("upgrading the database schema: once, before the server listens; at a million pins it can take a minute",
				"from_step", from, "to_step", to)
		}
		began := time.Now()
		st, err := sqlitestore.OpenWith(ctx, cfg.DataDir, so)
		if err == nil {
			m.logger.Info("database open", "took", time.Since(began).Round(time.Millisecond).String())
		}
		return st, err
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	// Other instances' writes reach this one's caches through Redis; the
	// TTL bounds staleness when an invalidation is lost.
	opts.CacheTTL = time.Minute
	mopts := mongostore.Options{
		Options:    opts,
		CacheBytes: cacheBytes(cfg.CacheMB),
		NoCache:    cfg.CacheMB == 0,
		// The driver takes its monitors when it connects.
		Monitor:     m.metrics.CommandMonitor(),
		PoolMonitor: m.metrics.PoolMonitor(),
	}
	// Requests give up on an unreachable database within a second; start-up
	// waits for it (a stack starts the app and the database together) until
	// ctx ends.
	for {
		st, err := mongostore.Open(ctx, cfg.MongoURI, cfg.MongoDB, mopts)
		if err == nil || ctx.Err() != nil {
			return st, err
		}
		m.logger.Warn("database not reachable yet; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}

// cacheBytes is CACHE_MB in bytes as the caches take it: a negative budget
// turns a cache off.
func cacheBytes(mb int) int64 {
	if mb == 0 {
		return -1
	}
	return int64(mb) << 20
}
