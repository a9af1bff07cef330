package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"mypinterest/internal/loadkit"
)

// Issue 8's start-up targets at a million pins.
const (
	coldStartTarget = 2 * time.Second
	rssTarget       = 400 << 20
	burstP99Target  = 200 * time.Millisecond
)

// coldOptions are the flags of databench coldstart.
type coldOptions struct {
	bin, dir string
	burst    int
	warm     time.Duration
	timeout  time.Duration
}

func coldstartCommand(ctx context.Context, args []string, out, errOut io.Writer) int {
	var o coldOptions
	fs := flag.NewFlagSet("databench coldstart", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.bin, "bin", "", "the server binary (go build -o /tmp/mp ./cmd/mypinterest)")
	fs.StringVar(&o.dir, "data", "", "the seeded data directory, passed as DATA_DIR")
	fs.IntVar(&o.burst, "burst", 64, "simultaneous first requests after the restart, each to a different page")
	fs.DurationVar(&o.warm, "warm", 5*time.Second, "warm-up load before the memory is read")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "how long to wait for the server to answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.bin == "" || o.dir == "" || o.burst < 1 {
		fmt.Fprintln(errOut, "databench coldstart: -bin and -data are required, -burst ≥ 1")
		return 2
	}
	ok, err := coldstart(ctx, o, out)
	if err != nil {
		fmt.Fprintln(errOut, "databench coldstart:", err)
		return 1
	}
	if !ok {
		return 2
	}
	return 0
}

// server is one started server process.
type server struct {
	cmd     *exec.Cmd
	base    string
	started time.Time
	logPath string
	exited  chan struct{} // closed when the process has ended, waitErr set
	waitErr error
}

// startServer runs the binary on a free port with the data directory, its
// output going to a log file beside the data.
func startServer(o coldOptions) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logFile, err := os.CreateTemp("", "databench-server-*.log")
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(o.bin)
	cmd.Env = append(os.Environ(), "DATA_DIR="+o.dir, "ADDR="+addr, "AUTH_RATE_LIMIT=0")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &server{cmd: cmd, base: "http://" + addr, logPath: logFile.Name(), started: time.Now(), exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// removeLog deletes the server's log once its run went well: a log is
// kept only where an error names it.
func (s *server) removeLog() { _ = os.Remove(s.logPath) }

// stop asks the server to shut down and waits for it.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("the server did not stop within 30 s; killed")
	}
}

// untilOK polls path until it answers 200 and returns the time since the
// server was started.
func (s *server) untilOK(ctx context.Context, path string, timeout time.Duration) (time.Duration, error) {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := loadkit.Do(ctx, hc, s.base, loadkit.Request{Path: path, HTML: path == "/"}); err == nil {
			return time.Since(s.started), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-s.exited:
			return 0, fmt.Errorf("the server exited: %v (log: %s)", s.waitErr, s.logPath)
		case <-time.After(2 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("no 200 on %s within %s (server log: %s)", path, timeout, s.logPath)
}

// untilListening waits for the port to accept a connection, sending no
// request, so that the burst after it is the first traffic the server sees.
func (s *server) untilListening(timeout time.Duration) (time.Duration, error) {
	addr := s.base[len("http://"):]
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return time.Since(s.started), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("nothing listens on %s within %s (server log: %s)", addr, timeout, s.logPath)
}

func coldstart(ctx context.Context, o coldOptions, out io.Writer) (bool, error) {
	st, err := loadState(o.dir)
	if err != nil {
		return false, err
	}
	if o.dir, err = filepath.Abs(o.dir); err != nil {
		return false, err
	}
	fmt.Fprintf(out, "databench coldstart: %s on %s (%d pins)\n", o.bin, o.dir, st.Params.Pins)
	ok := true

	srv, err := startServer(o)
	if err != nil {
		return false, err
	}
	health, err := srv.untilOK(ctx, "/healthz", o.timeout)
	if err == nil {
		var home time.Duration
		if home, err = srv.untilOK(ctx, "/", o.timeout); err == nil {
			fmt.Fprintf(out, "first 200: /healthz after %s, / after %s (target ≤ %s)\n", ms(health), ms(home), coldStartTarget)
			ok = ok && home <= coldStartTarget
		}
	}
	if err == nil {
		err = warmUp(ctx, srv.base, st, o.warm)
	}
	if err == nil {
		var m memory
		if m, err = memoryOf(srv.cmd.Process.Pid); err == nil {
			fmt.Fprintf(out, "memory after %s of warm-up: %s (target Pss ≤ %d MiB)\n", o.warm, m, rssTarget>>20)
			ok = ok && m.Pss <= rssTarget
		}
	}
	stopErr := srv.stop()
	if err == nil && stopErr != nil {
		fmt.Fprintf(out, "first run: %v (server log: %s)\n", stopErr, srv.logPath)
	}
	if err != nil {
		return false, err
	}
	if stopErr == nil {
		srv.removeLog()
	}

	srv, err = startServer(o)
	if err != nil {
		return false, err
	}
	listening, err := srv.untilListening(o.timeout)
	if err != nil {
		_ = srv.stop()
		return false, err
	}
	b := burst(ctx, srv.base, burstPages(st, o.burst))
	fmt.Fprintf(out, "restart: listening after %s; %d simultaneous first requests: %d errors, p50 %s, p99 %s, max %s (target 0 errors, p99 ≤ %s)\n",
		ms(listening), o.burst, b.Errors, ms(b.Latency.P50), ms(b.Latency.P99), ms(b.Latency.Max), burstP99Target)
	if b.FirstErr != "" {
		fmt.Fprintln(out, "  first error:", b.FirstErr)
	}
	switch stopErr = srv.stop(); {
	case stopErr != nil:
		fmt.Fprintf(out, "  stopping the server: %v (server log: %s)\n", stopErr, srv.logPath)
	case b.Errors > 0:
		fmt.Fprintf(out, "  server log: %s\n", srv.logPath)
	default:
		srv.removeLog()
	}
	ok = ok && b.Errors == 0 && b.Latency.P99 <= burstP99Target
	if ok {
		fmt.Fprintln(out, "PASS: every start-up target met")
	} else {
		fmt.Fprintln(out, "MISS: a start-up target was missed")
	}
	return ok, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", loadkit.Millis(d)) }

// warmUp reads pins, profiles and pages for d, as the benchmark would.
func warmUp(ctx context.Context, base string, st *State, d time.Duration) error {
	var list []loadkit.Request
	for k, p := range st.Pins {
		list = append(list, loadkit.Request{Path: "/api/v1/pins/" + p.ID}, loadkit.Request{Path: "/pins/" + p.ID, HTML: true})
		u := st.Users[k%len(st.Users)].ID
		list = append(list, loadkit.Request{Path: "/api/v1/users/" + u + "/pins"}, loadkit.Request{Path: "/users/" + u, HTML: true})
	}
	cfg := loadkit.RunConfig{BaseURL: base, Concurrency: 8, Duration: d, Timeout: 10 * time.Second}
	r := loadkit.Run(ctx, cfg, loadkit.Scenario{Name: "warm-up", Next: cycle(list).next})
	if r.Errors > 0 {
		return fmt.Errorf("warm-up: %d errors, first: %s", r.Errors, r.FirstErr)
	}
	return nil
}

// burstPages are n different pages: pin pages, profiles, user pin lists
// and searches, HTML and JSON in turn.
func burstPages(st *State, n int) []loadkit.Request {
	var list []loadkit.Request
	for k := 0; len(list) < n; k++ {
		p := st.Pins[k%len(st.Pins)].ID
		u := st.Users[k%len(st.Users)].ID
		for _, r := range []loadkit.Request{
			{Path: "/pins/" + p, HTML: true},
			{Path: "/api/v1/pins/" + p},
			{Path: "/users/" + u, HTML: true},
			{Path: "/api/v1/users/" + u + "/pins"},
		} {
			if len(list) < n {
				list = append(list, r)
			}
		}
	}
	if n > 1 {
		list[n-1] = loadkit.Request{Path: "/", HTML: true}
	}
	return list
}

// burst sends every request at once, each on its own new connection, and
// times each from the common start.
func burst(ctx context.Context, base string, list []loadkit.Request) loadkit.Result {
	tr := &http.Transport{Proxy: nil, MaxConnsPerHost: len(list), MaxIdleConnsPerHost: len(list)}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([]time.Duration, len(list))
	errs := make([]error, len(list))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k, r := range list {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			errs[k] = loadkit.Do(ctx, hc, base, r)
			lat[k] = time.Since(t0)
		})
	}
	close(start)
	wg.Wait()
	res := loadkit.Result{Name: "burst"}
	var okLat []time.Duration
	for k, err := range errs {
		if err != nil {
			res.Errors++
			if res.FirstErr == "" {
				res.FirstErr = err.Error()
			}
			continue
		}
		okLat = append(okLat, lat[k])
	}
	res.OK = len(okLat)
	res.Latency = loadkit.Summarize(okLat)
	return res
}
