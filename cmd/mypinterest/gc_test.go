package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// tuneGC sets the policy when the environment is silent and leaves GOGC
// and GOMEMLIMIT alone when it is not.
func TestTuneGCYieldsToTheEnvironment(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })

	tuneGC(func(string) string { return "" }, 64)
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GC percent %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 160<<20 {
		t.Errorf("memory limit %d with the default caches, want 160 MiB", got)
	}
	tuneGC(func(string) string { return "" }, 512)
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 608<<20 {
		t.Errorf("memory limit %d with CACHE_MB=512, want 608 MiB: the caches' budget on top", got)
	}

	debug.SetGCPercent(100) // what the environment's GOGC=100 set at start
	tuneGC(func(k string) string { return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[k] }, 64)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: GC percent %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: memory limit %d, want it left alone", got)
	}
}
