package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"mypinterest/internal/loadkit"
)

func TestSelectScenarios(t *testing.T) {
	cases := []struct {
		only string
		html bool
		want []string
	}{
		{"", false, []string{"pins", "pin", "comments", "profile", "groups"}},
		{"", true, scenarioNames},
		{"groups, pin", false, []string{"pin", "groups"}},
		{"page-pin", false, []string{"page-pin"}},
	}
	for _, c := range cases {
		got, err := selectScenarios(c.only, c.html)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("selectScenarios(%q, %v) = %v, %v; want %v", c.only, c.html, got, err, c.want)
		}
	}
	if _, err := selectScenarios("pins,nope", false); err == nil {
		t.Error("unknown scenario accepted")
	}
}

func TestVerdict(t *testing.T) {
	fast := loadkit.Result{Name: "pins", OK: 50000, Elapsed: 10 * time.Second, Latency: loadkit.Summary{P99: 5 * time.Millisecond}}
	if v := verdict(fast); v != "PASS" {
		t.Errorf("fast pins: %q", v)
	}
	slow := fast
	slow.OK = 1000
	if v := verdict(slow); !strings.HasPrefix(v, "MISS") {
		t.Errorf("slow pins: %q", v)
	}
	tail := fast
	tail.Latency.P99 = 30 * time.Millisecond
	if v := verdict(tail); !strings.HasPrefix(v, "MISS") {
		t.Errorf("slow tail: %q", v)
	}
	failing := fast
	failing.Errors = 3
	if v := verdict(failing); !strings.HasPrefix(v, "MISS") {
		t.Errorf("errors: %q", v)
	}
	if v := verdict(loadkit.Result{Name: "page-home"}); v != "" {
		t.Errorf("page-home has no target, got %q", v)
	}
}
