package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"mypinterest/internal/loadkit"
)

func res(name string, rps float64, p99 time.Duration, errs int, t target) result {
	return result{
		Result: loadkit.Result{Name: name, OK: int(rps * 10), Errors: errs, Elapsed: 10 * time.Second, Latency: loadkit.Summary{P99: p99}},
		Pins:   1000, Distinct: 5, What: "GET /x", target: t,
	}
}

func TestVerdict(t *testing.T) {
	cases := []struct {
		r    result
		want string
	}{
		{res("pin", 3500, 20*time.Millisecond, 0, readTarget), "PASS"},
		{res("pin", 2900, 20*time.Millisecond, 0, readTarget), "MISS (2900 < 3000 req/s)"},
		{res("pin", 3500, 30*time.Millisecond, 0, readTarget), "MISS (p99 30.0 > 25 ms)"},
		{res("pin", 3500, 20*time.Millisecond, 2, readTarget), "MISS (2 errors)"},
		{res("pin-create", 41, 900*time.Millisecond, 0, uploadTarget), "PASS"}, // no latency target
	}
	for _, c := range cases {
		if got := verdict(c.r); got != c.want {
			t.Errorf("%s at %.0f/s, p99 %v: %q, want %q", c.r.Name, c.r.RPS(), c.r.Latency.P99, got, c.want)
		}
	}
}

func TestTableAndScaleRatio(t *testing.T) {
	results := []result{res("grid", 3000, time.Millisecond, 0, readTarget), res("feed", 1000, time.Millisecond, 0, slowTarget),
		res("search-rare", 2000, time.Millisecond, 0, slowTarget), res("comments", 3600, time.Millisecond, 0, readTarget)}
	results[0].Items, results[2].Items, results[3].Items = 24, 20, 24
	base := map[string]baseFigure{"grid": {rps: 4000, items: 23}, "feed": {rps: 1500}, "search-rare": {rps: 4000, items: 1}, "comments": {rps: 4000, items: 16}}
	var out bytes.Buffer
	if printTable(&out, results, true, base) {
		t.Error("a table with a miss reported success")
	}
	text := out.String()
	for _, want := range []string{
		"| grid | `GET /x` | 1000 | 5 | 3000 | 0.00 | 1.00 | 0 | ≥ 3000/s, p99 ≤ 25 ms: PASS | 0.75× |",
		"| feed | `GET /x` | 1000 | 5 | 1000 | 0.00 | 1.00 | 0 | ≥ 1500/s, p99 ≤ 25 ms: MISS (1000 < 1500 req/s) | 0.67× MISS |",
		// Longer pages than the baseline's: the per-item ratio is told,
		// the verdict stays on req/s.
		"| search-rare | `GET /x` | 1000 | 5 | 2000 | 0.00 | 1.00 | 0 | ≥ 1500/s, p99 ≤ 25 ms: PASS | 0.50× MISS (1.0 → 20.0 items: 10.00× per item) |",
		"| comments | `GET /x` | 1000 | 5 | 3600 | 0.00 | 1.00 | 0 | ≥ 3000/s, p99 ≤ 25 ms: PASS | 0.90× (16.0 → 24.0 items: 1.35× per item) |",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks\n%s\ngot\n%s", want, text)
		}
	}
	out.Reset()
	if !printTable(&out, results[:1], false, nil) || strings.Contains(out.String(), "target") {
		t.Errorf("a plain table:\n%s", out.String())
	}
}

func TestSelectScenarios(t *testing.T) {
	all, err := selectScenarios("")
	if err != nil || len(all) != len(scenarios) {
		t.Fatalf("all scenarios: %d, %v", len(all), err)
	}
	got, err := selectScenarios("pin-create, grid ,feed")
	var names []string
	for _, s := range got {
		names = append(names, s.name)
	}
	if err != nil || !slices.Equal(names, []string{"grid", "feed", "pin-create"}) {
		t.Fatalf("selected %v, %v; want run order grid, feed, pin-create", names, err)
	}
	if _, err := selectScenarios("grid,nope"); err == nil {
		t.Fatal("an unknown scenario was accepted")
	}
	// Reads come before the writes that would change what they read.
	last := slices.IndexFunc(scenarios, func(s scenario) bool { return s.target == writeTarget })
	for _, s := range scenarios[last:] {
		if s.target != writeTarget && s.target != uploadTarget {
			t.Errorf("read scenario %s runs after the writes", s.name)
		}
	}
}

func TestSessionUsersPutsTheHeavyOnesFirst(t *testing.T) {
	st := &State{
		Users:     make([]UserRef, 10),
		BigGroups: []GroupRef{{Owner: 7}},
		Following: []int{9, 7}, Bookmarkers: []int{8}, Notified: []int{9},
	}
	if got := sessionUsers(st, 5); !slices.Equal(got, []int{7, 9, 8, 0, 1}) {
		t.Fatalf("sessionUsers = %v", got)
	}
}

func TestIDsSortByTimeThenCounter(t *testing.T) {
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	a := makeID(at, tagPin, 1, 0xFFFFFFFF)
	b := makeID(at, tagPin, 1, 0x100000000) // the counter carries past 32 bits
	c := makeID(at.Add(time.Second), tagPin, 1, 0)
	if !(a.Hex() < b.Hex() && b.Hex() < c.Hex()) {
		t.Fatalf("ids out of order: %s %s %s", a.Hex(), b.Hex(), c.Hex())
	}
	if makeID(at, tagLike, 1, 5) == makeID(at, tagNotification, 1, 5) || makeID(at, tagPin, 1, 5) == makeID(at, tagPin, 2, 5) {
		t.Fatal("kinds or seeds share an id")
	}
	if !a.Timestamp().Equal(at) {
		t.Fatalf("id time %v, want %v", a.Timestamp(), at)
	}
}

func TestTimedOut(t *testing.T) {
	timeout := `Get "http://127.0.0.1:1/api/v1/pins?q=a": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
	if !timedOut(loadkit.Result{FirstErr: timeout}) {
		t.Error("a client timeout was not recognised")
	}
	if timedOut(loadkit.Result{FirstErr: "POST /api/v1/pins: HTTP 503: busy"}) || timedOut(loadkit.Result{}) {
		t.Error("an answered request counted as timed out")
	}
}
