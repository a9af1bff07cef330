//go:build race

package hub

// raceEnabled: the race detector slows everything about tenfold, so timing
// targets are only checked without it.
const raceEnabled = true
