package loadkit

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
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
	r := Run(context.Background(), cfg, Scenario{Name: "groups", Next: Fixed(Request{Path: "/api/v1/groups", Token: "tok"})})

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

// Every request number is handed out once across all workers, so a
// scenario that picks its id by number visits each id in turn.
func TestRunNumbersRequestsAcrossWorkers(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Cookie") != "session=s" ||
			r.Header.Get("Content-Type") != "text/plain" || string(body) != "hi" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		seen[r.URL.Query().Get("n")]++
		mu.Unlock()
	}))
	defer srv.Close()

	cfg := shortRun
	cfg.BaseURL = srv.URL
	next := func(i uint64) Request {
		return Request{Method: http.MethodPost, Path: "/x?n=" + itoa(i), Cookie: "session=s", ContentType: "text/plain", Body: []byte("hi")}
	}
	r := Run(context.Background(), cfg, Scenario{Name: "post", Next: next})
	if r.Errors != 0 || r.OK == 0 {
		t.Fatalf("OK %d, errors %d: %s", r.OK, r.Errors, r.FirstErr)
	}
	mu.Lock()
	defer mu.Unlock()
	for n, c := range seen {
		if c != 1 {
			t.Fatalf("request number %s sent %d times", n, c)
		}
	}
	for i := range uint64(len(seen)) {
		if seen[itoa(i)] != 1 {
			t.Fatalf("request number %d of %d never sent", i, len(seen))
		}
	}
}

func itoa(i uint64) string { return strconv.FormatUint(i, 10) }

func TestRunCountsServerErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()

	cfg := shortRun
	cfg.BaseURL = srv.URL
	r := Run(context.Background(), cfg, Scenario{Name: "pins", Next: Fixed(Request{Path: "/api/v1/pins"})})
	if r.OK != 0 {
		t.Fatalf("OK = %d, want 0 on a server that always fails", r.OK)
	}
	if r.Errors == 0 || r.Requests() != r.Errors {
		t.Fatalf("errors = %d, requests = %d", r.Errors, r.Requests())
	}
	if !strings.Contains(r.FirstErr, "500") || !strings.Contains(r.FirstErr, "boom") {
		t.Fatalf("first error %q does not name the status and the answer", r.FirstErr)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more

	cfg := shortRun
	cfg.BaseURL = url
	r := Run(context.Background(), cfg, Scenario{Name: "pin", Next: Fixed(Request{Path: "/api/v1/pins/x"})})
	if r.OK != 0 || r.Errors == 0 {
		t.Fatalf("OK = %d, errors = %d; want only errors", r.OK, r.Errors)
	}
}
