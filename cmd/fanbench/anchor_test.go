package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mypinterest/internal/redistest"
)

// checkClean fails t unless every run delivered everything exactly once, in
// order, with no cut connection.
func checkClean(t *testing.T, results []result, want int) {
	t.Helper()
	if len(results) != want {
		t.Fatalf("%d results, want %d", len(results), want)
	}
	for _, r := range results {
		if r.published == 0 || r.failed != 0 || r.got != r.expected || r.dup != 0 || r.ooo != 0 || r.cut != 0 || r.complete != r.subs {
			t.Errorf("%s %s: %+v", r.target, r.phase, r)
		}
		if r.p50 <= 0 || r.rate() <= 0 {
			t.Errorf("%s %s: p50 %v, rate %v", r.target, r.phase, r.p50, r.rate())
		}
	}
}

// TestAnchorCompare runs every phase of a compare round against two minimal
// anchors sharing a real redis-server, with their ids as the -pids (the
// test process itself: the figures must merely be readable).
func TestAnchorCompare(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	var bases []string
	for range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		srv := httptest.NewServer(newAnchor(rdb))
		t.Cleanup(srv.Close)
		bases = append(bases, srv.URL)
	}
	d := newAnchorDriver(bases, []int{os.Getpid(), os.Getpid()})
	c := compareConfig{subs: []int{30}, rate: 200, duration: 250 * time.Millisecond, rounds: 1, burstEvents: 60, publishers: 4,
		phases: []string{phasePaced, phaseSaturated, phaseBurst}, wait: 10 * time.Second}
	var rows int
	results, err := compare(context.Background(), []driver{d}, c, func(result) { rows++ })
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, results, 3)
	if rows != 3 || results[0].published != 50 || math.IsNaN(results[0].kibPerConn) {
		t.Fatalf("rows %d, paced published %d, KiB/conn %v", rows, results[0].published, results[0].kibPerConn)
	}
}

// TestAnchorSubscribeAck: the ack means subscribed in Redis, and the last
// connection's close drops the topic.
func TestAnchorSubscribeAck(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	a := newAnchor(rdb)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	// Once a subscriber has its ack, Redis has confirmed the topic: one
	// PUBLISH right away reaches it.
	d := newAnchorDriver([]string{srv.URL}, nil)
	r, err := runOnce(context.Background(), d, config{subs: 5, events: 1, rate: 1, wait: 5 * time.Second}, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, []result{r}, 1)
	// The topic is dropped, and unsubscribed in Redis, with its last connection.
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.mu.Lock()
		n := len(a.topics)
		a.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d topics left after every connection closed", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post(srv.URL+"/publish", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("publish without a topic: %d", resp.StatusCode)
	}
}

// TestCentrifugoCompare runs a compare round against two real Centrifugo
// nodes on one redis-server. Centrifugo is not part of the repository:
// build it as docs/FANOUT.md says and set FANBENCH_CENTRIFUGO to the binary.
func TestCentrifugoCompare(t *testing.T) {
	bin := os.Getenv("FANBENCH_CENTRIFUGO")
	if bin == "" {
		t.Skip("FANBENCH_CENTRIFUGO (a Centrifugo v6 binary) is not set")
	}
	addr, _ := redistest.StartRedis(t)
	var bases []string
	var pids []int
	for range 2 {
		port := freePort(t)
		cfg := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(cfg, centrifugoConfig(port, addr, "test-key"), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--config", cfg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		waitHTTP(t, base+"/health")
		bases = append(bases, base)
		pids = append(pids, cmd.Process.Pid)
	}
	d := newCentrifugoDriver(bases, pids, "test-key")
	c := compareConfig{subs: []int{30}, rate: 200, duration: 250 * time.Millisecond, rounds: 1, burstEvents: 60, publishers: 4,
		phases: []string{phasePaced, phaseSaturated, phaseBurst}, wait: 10 * time.Second}
	results, err := compare(context.Background(), []driver{d}, c, func(result) {})
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, results, 3)
}

// centrifugoConfig is the benchmark's node configuration (docs/FANOUT.md
// prints the same): health endpoint, Redis engine, HTTP API with a key, anonymous clients
// allowed to subscribe to channels without a namespace.
func centrifugoConfig(port int, redisAddr, key string) []byte {
	return fmt.Appendf(nil, `{
  "http_server": {"address": "127.0.0.1", "port": %d},
  "log": {"level": "error"},
  "health": {"enabled": true},
  "usage_stats": {"disabled": true},
  "engine": {"type": "redis", "redis": {"address": ["redis://%s"]}},
  "http_api": {"key": %q},
  "client": {"allow_anonymous_connect_without_token": true},
  "channel": {"without_namespace": {"allow_subscribe_for_anonymous": true, "allow_subscribe_for_client": true}}
}`, port, redisAddr, key)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
