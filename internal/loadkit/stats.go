package loadkit

import (
	"math"
	"slices"
	"time"
)

// Summary describes the latency distribution of one scenario's successful
// requests.
type Summary struct {
	Count int
	Min   time.Duration
	Mean  time.Duration
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// samples, which must already be sorted ascending. Nearest rank is used
// instead of interpolation so that every reported figure is a latency that
// was actually observed, and so that tests can state exact expectations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	// p*n is computed before dividing so integral percentiles stay exact in
	// floating point; the epsilon absorbs rounding for values like 99.9.
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// Summarize sorts samples in place and returns their distribution. Sorting
// in place avoids copying what can be millions of samples after a long run.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var total time.Duration
	for _, s := range samples {
		total += s
	}
	return Summary{
		Count: len(samples),
		Min:   samples[0],
		Mean:  total / time.Duration(len(samples)),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		Max:   samples[len(samples)-1],
	}
}

// Millis formats a duration as milliseconds with two decimals, the unit the
// README's tables use.
func Millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}
