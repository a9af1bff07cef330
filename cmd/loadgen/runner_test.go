package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// shortRun keeps runner tests fast; the race detector slows each request.
var shortRun = RunConfig{Concurrency: 4, Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond, Timeout: 2 * time.Second}

func TestRunCountsSuccesses(t *testing.T) {
	var hits atomic.Int64
	var badAuth atomic.Int64
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/api/v1/groups" || r.Header.Get("Authorization") != "Bearer tok" {
			badAuth.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"items":[]}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	cfg := shortRun
	cfg.BaseURL = srv.URL
	r := Run(context.Background(), cfg, Scenario{Name: "groups", Path: "/api/v1/groups", Token: "tok"})

	if r.Errors != 0 || r.FirstErr != "" {
		t.Fatalf("errors = %d (%s), want 0", r.Errors, r.FirstErr)
	}
	if r.OK == 0 || r.Latency.Count != r.OK {
		t.Fatalf("OK = %d, latency samples = %d", r.OK, r.Latency.Count)
	}
	// Warm-up requests reach the server but must not be counted.
	if int64(r.OK) >= hits.Load() {
		t.Fatalf("counted %d of %d requests; warm-up should be excluded", r.OK, hits.Load())
	}
	if badAuth.Load() != 0 {
		t.Fatalf("%d requests lacked the path or bearer token", badAuth.Load())
	}
	if r.Elapsed < cfg.Duration || r.Elapsed > cfg.Duration+time.Second {
		t.Fatalf("elapsed %v, want about %v", r.Elapsed, cfg.Duration)
	}
	if r.RPS() <= 0 {
		t.Fatalf("RPS = %v", r.RPS())
	}
	// Keep-alive: one connection per worker, not one per request.
	if n := conns.Load(); n > int64(cfg.Concurrency) {
		t.Fatalf("%d connections opened for %d workers", n, cfg.Concurrency)
	}
}

func TestRunCountsServerErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()

	cfg := shortRun
	cfg.BaseURL = srv.URL
	r := Run(context.Background(), cfg, Scenario{Name: "pins", Path: "/api/v1/pins"})
	if r.OK != 0 {
		t.Fatalf("OK = %d, want 0 on a server that always fails", r.OK)
	}
	if r.Errors == 0 || r.Requests() != r.Errors {
		t.Fatalf("errors = %d, requests = %d", r.Errors, r.Requests())
	}
	if !strings.Contains(r.FirstErr, "500") {
		t.Fatalf("first error %q does not name the status", r.FirstErr)
	}
	if v := verdict(r); !strings.HasPrefix(v, "MISS") {
		t.Fatalf("verdict = %q, want a MISS", v)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more

	cfg := shortRun
	cfg.BaseURL = url
	r := Run(context.Background(), cfg, Scenario{Name: "pin", Path: "/api/v1/pins/x"})
	if r.OK != 0 || r.Errors == 0 {
		t.Fatalf("OK = %d, errors = %d; want only errors", r.OK, r.Errors)
	}
}

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
	fast := Result{Name: "pins", OK: 50000, Elapsed: 10 * time.Second, Latency: Summary{P99: 5 * time.Millisecond}}
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
	if v := verdict(Result{Name: "page-home"}); v != "" {
		t.Errorf("page-home has no target, got %q", v)
	}
}
