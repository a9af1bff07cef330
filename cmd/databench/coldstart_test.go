package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mypinterest/handlers"
	"mypinterest/internal/loadkit"
	"mypinterest/store"
	"mypinterest/store/sqlitestore"
)

// serveEnv makes the test binary the server that coldstart starts: the
// real handlers on the real SQLite store, configured like the product
// (DATA_DIR, ADDR), without building cmd/mypinterest.
const serveEnv = "DATABENCH_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		serveForTest()
		return
	}
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

func serveForTest() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := sqlitestore.Open(ctx, os.Getenv("DATA_DIR"), store.Options{})
	if err != nil {
		panic(err)
	}
	app, err := handlers.New(handlers.Config{JWTSecret: []byte(strings.Repeat("s", 32))}, handlers.Deps{Store: s})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", os.Getenv("ADDR"))
	if err != nil {
		panic(err)
	}
	go func() { _ = app.Listener(ln) }()
	<-ctx.Done()
	_ = app.ShutdownWithTimeout(5 * time.Second)
	_ = s.Close(context.Background())
}

func TestColdstartAgainstARealServer(t *testing.T) {
	dir, _ := seededDir(t)
	t.Setenv(serveEnv, "1")
	logs := t.TempDir()
	t.Setenv("TMPDIR", logs) // where startServer puts the servers' logs
	var out bytes.Buffer
	o := coldOptions{bin: os.Args[0], dir: dir, burst: 64, warm: 300 * time.Millisecond, timeout: 30 * time.Second}
	if _, err := coldstart(context.Background(), o, &out); err != nil {
		t.Fatalf("coldstart: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	for _, want := range []string{"first 200: /healthz after", "memory after", "64 simultaneous first requests: 0 errors"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(logs, "*")); len(left) > 0 {
		t.Errorf("a run that went well left %v", left)
	}
}

// A burst opens one connection per request, all at once.
func TestBurstIsSimultaneous(t *testing.T) {
	var inFlight, most atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if n == 16 {
			close(release)
		}
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		inFlight.Add(-1)
		if r.URL.Path == "/fail" {
			http.Error(w, "no", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	st := &State{Pins: []PinRef{{ID: "p1"}, {ID: "p2"}}, Users: []UserRef{{ID: "u1"}}}
	list := burstPages(st, 15)
	if len(list) != 15 || list[14].Path != "/" {
		t.Fatalf("burst pages %v", list)
	}
	list = append(list, loadkit.Request{Path: "/fail"})
	r := burst(context.Background(), srv.URL, list)
	if most.Load() != 16 {
		t.Fatalf("at most %d requests were in flight together, want 16", most.Load())
	}
	if r.OK != 15 || r.Errors != 1 || !strings.Contains(r.FirstErr, "503") {
		t.Fatalf("burst: %d ok, %d errors (%s)", r.OK, r.Errors, r.FirstErr)
	}
}

func TestMemoryOf(t *testing.T) {
	m, err := memoryOf(os.Getpid())
	if err != nil || m.RSS < 1<<20 || m.Pss < 1<<20 || m.Anon+m.File > m.RSS+1<<20 {
		t.Fatalf("memory of this test = %+v, %v", m, err)
	}
	if _, err := memoryOf(-1); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
}
