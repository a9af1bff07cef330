package main

import (
	"fmt"
	"io"
	"time"

	"mypinterest/internal/loadkit"
)

// targets are the throughputs the README promises for a seeded database on
// the reference machine; every scenario with a target must also keep p99
// within targetP99.
var targets = map[string]float64{
	"pin":      2700,
	"comments": 2700,
	"profile":  5100,
	"groups":   5500,
	"pins":     4500,
}

// targetP99 is the tail-latency ceiling that goes with every target.
const targetP99 = 25 * time.Millisecond

// verdict says whether r meets its target: "PASS", "MISS (why)", or "" when
// the scenario has no target.
func verdict(r loadkit.Result) string {
	want, ok := targets[r.Name]
	if !ok {
		return ""
	}
	switch {
	case r.Errors > 0:
		return fmt.Sprintf("MISS (%d errors)", r.Errors)
	case r.RPS() < want:
		return fmt.Sprintf("MISS (%.0f < %.0f req/s)", r.RPS(), want)
	case r.Latency.P99 > targetP99:
		return fmt.Sprintf("MISS (p99 %.2f > %.0f ms)", loadkit.Millis(r.Latency.P99), loadkit.Millis(targetP99))
	}
	return "PASS"
}

// printResult writes the detailed line for one scenario as soon as it ends,
// so a long run shows progress.
func printResult(w io.Writer, r loadkit.Result) {
	l := r.Latency
	fmt.Fprintf(w, "%-13s requests %7d  errors %5d  %9.1f req/s  p50 %7.2f  p90 %7.2f  p99 %7.2f  max %8.2f ms\n",
		r.Name, r.Requests(), r.Errors, r.RPS(), loadkit.Millis(l.P50), loadkit.Millis(l.P90), loadkit.Millis(l.P99), loadkit.Millis(l.Max))
	if r.FirstErr != "" {
		fmt.Fprintf(w, "%-13s first error: %s\n", "", r.FirstErr)
	}
}

// printTable writes the markdown table meant to be pasted into the README.
// The target column appears only when targets were asked for.
func printTable(w io.Writer, results []loadkit.Result, withTargets bool) {
	if withTargets {
		fmt.Fprintln(w, "| scenario | req/s | p50 ms | p99 ms | errors | target |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|")
	} else {
		fmt.Fprintln(w, "| scenario | req/s | p50 ms | p99 ms | errors |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	}
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %.0f | %.2f | %.2f | %d |", r.Name, r.RPS(), loadkit.Millis(r.Latency.P50), loadkit.Millis(r.Latency.P99), r.Errors)
		if withTargets {
			v := verdict(r)
			if want, ok := targets[r.Name]; ok {
				v = fmt.Sprintf("≥%.0f req/s, p99≤%.0f ms: %s", want, loadkit.Millis(targetP99), v)
			} else {
				v = "–"
			}
			fmt.Fprintf(w, " %s |", v)
		}
		fmt.Fprintln(w)
	}
}

// printTargets writes one PASS/MISS line per scenario with a target and
// reports whether all of them passed.
func printTargets(w io.Writer, results []loadkit.Result) bool {
	all := true
	for _, r := range results {
		want, ok := targets[r.Name]
		if !ok {
			continue
		}
		status := "PASS"
		if verdict(r) != "PASS" {
			status, all = "MISS", false
		}
		fmt.Fprintf(w, "%s  %-9s %8.0f req/s (≥%.0f)  p99 %6.2f ms (≤%.0f)  errors %d\n",
			status, r.Name, r.RPS(), want, loadkit.Millis(r.Latency.P99), loadkit.Millis(targetP99), r.Errors)
	}
	return all
}
