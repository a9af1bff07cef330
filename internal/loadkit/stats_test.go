package loadkit

import (
	"math/rand/v2"
	"testing"
	"time"
)

// ms builds sorted samples 1ms, 2ms, … n ms.
func ms(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	cases := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single p50", ms(1), 50, 1 * time.Millisecond},
		{"single p99", ms(1), 99, 1 * time.Millisecond},
		{"10 p50", ms(10), 50, 5 * time.Millisecond},
		{"10 p90", ms(10), 90, 9 * time.Millisecond},
		{"10 p91 rounds up", ms(10), 91, 10 * time.Millisecond},
		{"10 p99", ms(10), 99, 10 * time.Millisecond},
		{"100 p50", ms(100), 50, 50 * time.Millisecond},
		{"100 p90", ms(100), 90, 90 * time.Millisecond},
		{"100 p99", ms(100), 99, 99 * time.Millisecond},
		{"1000 p99.9", ms(1000), 99.9, 999 * time.Millisecond},
		{"4 p25", ms(4), 25, 1 * time.Millisecond},
		{"4 p26", ms(4), 26, 2 * time.Millisecond},
		{"p0 is min", ms(7), 0, 1 * time.Millisecond},
		{"p100 is max", ms(7), 100, 7 * time.Millisecond},
	}
	for _, c := range cases {
		if got := Percentile(c.in, c.p); got != c.want {
			t.Errorf("%s: Percentile(p=%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarizeSortsAndAggregates(t *testing.T) {
	in := ms(100)
	// Shuffle so the test proves Summarize sorts rather than trusting order.
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })

	s := Summarize(in)
	want := Summary{
		Count: 100,
		Min:   1 * time.Millisecond,
		Mean:  50500 * time.Microsecond,
		P50:   50 * time.Millisecond,
		P90:   90 * time.Millisecond,
		P99:   99 * time.Millisecond,
		Max:   100 * time.Millisecond,
	}
	if s != want {
		t.Fatalf("Summarize = %+v, want %+v", s, want)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	if s := Summarize(nil); s != (Summary{}) {
		t.Fatalf("Summarize(nil) = %+v, want zero", s)
	}
}

func TestMillis(t *testing.T) {
	if got := Millis(1234567 * time.Nanosecond); got != 1.23 {
		t.Fatalf("Millis = %v, want 1.23", got)
	}
}
