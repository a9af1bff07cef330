package main

import "runtime/debug"

// The heap policy. The server's live heap is small (30–60 MB at 1M pins),
// and under Go's default (GOGC=100) it is collected each time it doubles:
// several times a second at a few thousand requests a second, 8 % of the
// CPU of a profile page. Letting it grow to five times its live size keeps
// collections rare, and a soft limit keeps the process within its memory
// budget all the same: 400 MB at 1M pins, of which the readers' maps take
// up to 192 MB (SQLITE_MMAP_RESIDENT_MB) and SQLite's page caches 48 MB,
// outside the Go heap (docs/BENCHMARKS.md, "Night").
const (
	defaultGCPercent = 400
	defaultHeapLimit = 160 << 20
)

// tuneGC applies the heap policy where the environment sets none of its
// own: the Go runtime has already applied GOGC and GOMEMLIMIT.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultHeapLimit)
	}
}
