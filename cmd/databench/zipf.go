package main

import (
	"math"
	"math/rand/v2"
)

// Counts per record (likes of a pin, followees of a user…) follow a
// discrete Zipf law: most records get none or one, a few get very many.
// rand.Zipf draws k in [0, imax] with P(k) ∝ (1+k)^-s; countSkew finds the
// s that gives the wanted mean, so the data set's totals come out near
// Pins × mean whatever the cap.

// zipfMean is the mean of P(k) ∝ (1+k)^-s over [0, imax].
func zipfMean(s float64, imax int) float64 {
	var sum, weighted float64
	for k := 0; k <= imax; k++ {
		p := math.Pow(float64(1+k), -s)
		sum += p
		weighted += float64(k) * p
	}
	return weighted / sum
}

// countSkew returns the exponent s (> 1, as rand.Zipf needs) whose mean
// over [0, imax] is mean, by bisection: the mean falls as s grows. A mean
// too high for any s > 1 gets the flattest law allowed.
func countSkew(mean float64, imax int) float64 {
	lo, hi := 1.0001, 50.0
	if zipfMean(lo, imax) <= mean {
		return lo
	}
	for range 60 {
		mid := (lo + hi) / 2
		if zipfMean(mid, imax) > mean {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// newCounter returns a Zipf source of counts in [0, imax] with the given
// mean, drawing from r.
func newCounter(r *rand.Rand, mean float64, imax int) *rand.Zipf {
	return rand.NewZipf(r, countSkew(mean, imax), 1, uint64(imax))
}
