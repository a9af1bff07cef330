//go:build linux

// Package e2e holds the multi-process tests (instances, Redis, Nginx) and the
// static checks of the deploy files. This file starts the repository's real
// nginx.conf in front of test upstreams, so that every e2e test goes through
// the same proxy configuration as production.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The substitution convention between nginx.conf and the tests (documented
// at the top of nginx.conf and in docs/OPERATIONS.md):
//
//   - the upstream servers are the file NginxUpstreamInclude next to
//     nginx.conf, included inside `upstream app { ... }`; the tests write it;
//   - NginxListenLine appears exactly once and is replaced by
//     `listen 127.0.0.1:<port>;`;
//   - with NoAuthRateLimit, NginxAuthLimitLine (exactly once) is commented out.
//
// Nothing else in the file is touched.
const (
	NginxUpstreamInclude = "mypinterest-upstream.conf"
	NginxListenLine      = "listen 8080;"
	NginxAuthLimitLine   = "limit_req zone=auth burst=20 nodelay;"
	// nginxBinary is where Debian's `nginx` package installs it.
	nginxBinary = "/usr/sbin/nginx"
)

// NginxOptions configures StartNginxWithOptions.
type NginxOptions struct {
	// Upstreams are host:port addresses of app instances.
	Upstreams []string
	// NoAuthRateLimit drops the edge limit on /api/v1/auth/, for tests that
	// sign many users up from the one loopback address (pair it with
	// AUTH_RATE_LIMIT=0 on the instances).
	NoAuthRateLimit bool
}

// RepoRoot is the repository root, found from this source file so that it
// does not depend on the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("e2e: cannot locate the e2e package source")
	}
	return filepath.Dir(filepath.Dir(file))
}

// NginxBinary returns the nginx executable or fails the test saying how to
// get one.
func NginxBinary(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(nginxBinary); err == nil {
		return nginxBinary
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	t.Fatalf("e2e: nginx not found at %s or on PATH; install it with `apt-get install -y nginx`", nginxBinary)
	return ""
}

// WriteNginxConfig copies the repository's nginx.conf into dir with the
// listen address and upstreams substituted, writes the upstream include next
// to it, and returns the path of the copied nginx.conf.
func WriteNginxConfig(t testing.TB, dir, listen string, opts NginxOptions) string {
	t.Helper()
	if len(opts.Upstreams) == 0 {
		t.Fatal("e2e: WriteNginxConfig needs at least one upstream")
	}
	src, err := os.ReadFile(filepath.Join(RepoRoot(t), "nginx.conf"))
	if err != nil {
		t.Fatalf("e2e: read nginx.conf: %v", err)
	}
	conf := replaceOnce(t, string(src), NginxListenLine, "listen "+listen+";")
	if opts.NoAuthRateLimit {
		conf = replaceOnce(t, conf, NginxAuthLimitLine, "# (auth rate limit disabled by the test) "+NginxAuthLimitLine)
	}
	var up strings.Builder
	up.WriteString("# written by e2e.WriteNginxConfig\n")
	for _, u := range opts.Upstreams {
		if strings.ContainsAny(u, " ;\n{}") {
			t.Fatalf("e2e: upstream %q is not a host:port", u)
		}
		fmt.Fprintf(&up, "server %s;\n", u)
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, NginxUpstreamInclude), []byte(up.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return confPath
}

// replaceOnce fails the test unless old occurs exactly once: a changed
// nginx.conf must break the tests loudly rather than be half-substituted.
func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("e2e: nginx.conf must contain %q exactly once, found %d", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// nginxArgs are the flags shared by `nginx -t` and the real start: prefix
// for the relative temp/cache paths, pid outside any system directory, and
// start-up errors on stderr instead of the compiled-in log file.
func nginxArgs(prefix, conf string) []string {
	return []string{
		"-e", "stderr",
		"-p", prefix + string(filepath.Separator),
		"-c", conf,
		"-g", "pid " + filepath.Join(prefix, "nginx.pid") + "; daemon off;",
	}
}

// CheckNginxConfig runs `nginx -t` on a config written by WriteNginxConfig.
func CheckNginxConfig(t testing.TB, prefix, conf string) {
	t.Helper()
	out, err := exec.Command(NginxBinary(t), append([]string{"-t"}, nginxArgs(prefix, conf)...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("e2e: nginx -t failed: %v\n%s", err, out)
	}
}

// StartNginx runs the repository's nginx.conf in front of upstreams and
// returns its host:port. It is stopped when the test ends.
func StartNginx(t testing.TB, upstreams []string) (addr string) {
	t.Helper()
	return StartNginxWithOptions(t, NginxOptions{Upstreams: upstreams})
}

// StartNginxWithOptions is StartNginx with options.
func StartNginxWithOptions(t testing.TB, opts NginxOptions) (addr string) {
	t.Helper()
	bin := NginxBinary(t)
	// Not t.TempDir: when the test runs as root, Nginx's workers run as
	// nobody and must traverse to the temp and cache directories, which a
	// 0700 test directory would forbid.
	prefix, err := os.MkdirTemp("", "mypinterest-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(prefix) })
	if err := os.Chmod(prefix, 0o755); err != nil {
		t.Fatal(err)
	}

	// The free port is found by binding and closing it; another process may
	// take it in between, so a bind failure is retried on a new port.
	const attempts = 3
	for i := 1; ; i++ {
		addr = freeLoopbackAddr(t)
		conf := WriteNginxConfig(t, prefix, addr, opts)
		if i == 1 {
			CheckNginxConfig(t, prefix, conf)
		}
		err := startNginxProcess(t, bin, prefix, conf, addr)
		if err == nil {
			return addr
		}
		if !errors.Is(err, errAddrInUse) || i == attempts {
			t.Fatalf("e2e: start nginx: %v", err)
		}
	}
}

var errAddrInUse = errors.New("address already in use")

func startNginxProcess(t testing.TB, bin, prefix, conf, addr string) error {
	t.Helper()
	out := &tailBuffer{max: 64 << 10}
	cmd := exec.Command(bin, nginxArgs(prefix, conf)...)
	cmd.Stdout = out // the JSON access log
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Its own group, so that the workers can be stopped with the master
		// if it ever has to be killed.
		Setpgid: true,
		// If the test binary dies (e.g. -timeout panics) cleanups do not
		// run; this still takes Nginx down with it.
		Pdeathsig: syscall.SIGTERM,
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			log := out.String()
			if strings.Contains(log, "Address already in use") {
				return fmt.Errorf("%w: %s", errAddrInUse, log)
			}
			return fmt.Errorf("nginx exited before accepting connections (%v):\n%s", err, log)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			stopNginx(cmd, exited)
			return fmt.Errorf("nginx did not accept connections on %s within 15s:\n%s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Cleanup(func() {
		stopNginx(cmd, exited)
		if t.Failed() {
			t.Logf("nginx on %s, last output:\n%s", addr, out.String())
		}
	})
	return nil
}

// stopNginx asks for a fast shutdown (TERM: open WebSockets would hold a
// graceful QUIT forever) and kills the process group of this one Nginx if
// it does not exit in time.
func stopNginx(cmd *exec.Cmd, exited <-chan error) {
	pid := cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a moment
// ago.
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// tailBuffer keeps the last max bytes written to it: a long e2e test must
// not hold every access-log line in memory, but a failure wants the latest.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if extra := b.buf.Len() - b.max; extra > 0 {
		b.buf.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
