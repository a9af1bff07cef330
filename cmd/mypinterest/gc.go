package main

import "runtime/debug"

// The heap policy. The server's live heap is small (30–60 MB at 1M pins,
// its caches aside), and under Go's default (GOGC=100) it is collected
// each time it doubles: several times a second at a few thousand requests
// a second, 8 % of the CPU of a profile page. Letting it grow to five
// times its live size keeps collections rare, and a soft limit keeps the
// process within its memory budget all the same: 400 MB at 1M pins, of
// which the readers' maps take up to 192 MB (SQLITE_MMAP_RESIDENT_MB) and
// SQLite's page caches 48 MB, outside the Go heap (docs/BENCHMARKS.md,
// "Night"). The limit grows with CACHE_MB, the caches' own budget, so a
// larger cache is not collected without end.
const (
	defaultGCPercent = 400
	heapWithoutCache = 96 << 20 // the limit's share for everything but the caches
)

// tuneGC applies the heap policy for caches of cacheMB MiB where the
// environment sets none of its own: the Go runtime has already applied
// GOGC and GOMEMLIMIT.
func tuneGC(getenv func(string) string, cacheMB int) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(heapLimit(cacheMB))
	}
}

// heapLimit is the soft limit for caches of cacheMB MiB: 160 MiB with the
// default 64.
func heapLimit(cacheMB int) int64 { return heapWithoutCache + int64(cacheMB)<<20 }
