package sqlitestore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMapResident is how many bytes of mapped file pages the process
// keeps by default (Options.MapResident, SQLITE_MMAP_RESIDENT_MB): with
// about 120 MiB of its own, RSS stays within 400 MB at 1M pins.
const DefaultMapResident = 192 << 20

// mapCheckEvery is how often the resident file pages are read. Under a
// load of random pins the maps grow by a few GB/s, so between two reads
// they pass the bound by some 300 MB; reading more often keeps them
// closer to it but drops them more often, and every page touched after a
// drop costs a fault: at 25 ms, lists of random pins cost 1.5–1.7× the CPU
// of unbounded maps, at 100 ms 1.0–1.2× (docs/SQLITE.md, "Memory").
const mapCheckEvery = 100 * time.Millisecond

// mapBound keeps the readers' maps of the database file from holding more
// resident pages than a budget. A page a reader touches through its map
// stays mapped (with some 100 KB around it: the kernel's fault-around and
// large folios) until the map goes, so a workload of random pins maps the
// hot tables whole, once per reader: 2.4 GB of RSS at 1M pins, although the
// pages are the kernel's file cache. When the process's file pages exceed
// the budget, each reader drops its map and maps the file anew before its
// next query; the pages stay cached, so touching them again is a minor
// fault, not a read (docs/SQLITE.md, "Memory").
type mapBound struct {
	budget  int64 // bytes of resident file pages, the binary's included
	limit   int64 // the readers' mmap_size
	gen     atomic.Uint64
	remaps  atomic.Uint64 // how many times a reader mapped the file anew
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	started bool
	// idle hands out the readers the pool holds idle, so that they too
	// drop their maps: a quiet server would otherwise keep what its last
	// requests mapped.
	idle func(context.Context)
}

// newMapBound returns a bound for readers mapping limit bytes, to start
// once they are open; nil when the system does not report resident file
// pages (no /proc: the maps are then unbounded).
func newMapBound(budget, limit int64) *mapBound {
	if _, err := residentFileBytes(); err != nil {
		return nil
	}
	return &mapBound{budget: budget, limit: limit, stop: make(chan struct{}), done: make(chan struct{})}
}

// start watches the process's resident file pages; idle hands out the
// readers the pool holds idle (see mapBound.idle).
func (b *mapBound) start(idle func(context.Context)) {
	b.idle = idle
	b.started = true
	go b.watch()
}

func (b *mapBound) watch() {
	defer close(b.done)
	t := time.NewTicker(mapCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			if n, err := residentFileBytes(); err == nil && n > b.budget {
				b.gen.Add(1)
				ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
				b.idle(ctx)
				cancel()
			}
		}
	}
}

func (b *mapBound) close() {
	if b != nil && b.started {
		b.once.Do(func() { close(b.stop) })
		<-b.done
	}
}

// remapIfDue drops c's map when the budget was exceeded since c last did.
// SQLite unmaps and maps again when mmap_size changes, so the size toggles
// by 64 KiB (which maps the same file below SQLite's ceiling). It runs
// between a connection's uses, when none of its statements holds a page.
func (b *mapBound) remapIfDue(ctx context.Context, c *cachingConn) error {
	g := b.gen.Load()
	if c.mapGen == g {
		return nil
	}
	c.mapGen = g
	c.mapToggled = !c.mapToggled
	size := b.limit
	if c.mapToggled {
		size -= 64 << 10
	}
	// Never interrupted: the remap is quick, and a connection left between
	// two sizes would remap on every later bump.
	if _, err := c.sqliteConn.ExecContext(context.WithoutCancel(ctx), "PRAGMA mmap_size="+strconv.FormatInt(size, 10), nil); err != nil {
		return err
	}
	b.remaps.Add(1)
	return nil
}

// residentFileBytes is how many bytes of mapped files (and shared memory)
// are resident in the process: statm's third field.
func residentFileBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0, fmt.Errorf("sqlitestore: /proc/self/statm: %q", b)
	}
	pages, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: /proc/self/statm: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}
