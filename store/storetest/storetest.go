// Package storetest gives tests real stores: the embedded default (SQLite
// in a temporary directory), and MongoDB — the server at MONGODB_URI when
// set, otherwise one embedded FerretDB per test binary in a temporary
// directory, each test with its own database, dropped when it ends — and
// Run, the conformance suite that holds every store to the same domain
// rules (conformance*.go).
package storetest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
)

var (
	once    sync.Once
	uri     string
	dir     string
	server  *exec.Cmd
	binDir  string // holds the built server, see buildFerretDB
	initErr error
)

// URI returns the address of the shared test server, starting the
// embedded one on first use: internal/ferretdb built without the race
// detector (the test binary may have it) and run as a child process that
// dies with the test binary.
func URI(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if u := os.Getenv("MONGODB_URI"); u != "" {
			uri = u
			return
		}
		if dir, initErr = os.MkdirTemp("", "mypinterest-ferretdb-"); initErr != nil {
			return
		}
		uri, initErr = startFerretDB(dir)
	})
	if initErr != nil {
		tb.Fatalf("storetest: start database: %v", initErr)
	}
	return uri
}

// startFerretDB builds and starts internal/ferretdb on a free port with
// its files under dir, and returns its URI once it accepts connections.
func startFerretDB(dir string) (string, error) {
	bin, err := buildFerretDB()
	if err != nil {
		return "", err
	}
	server, uri, err = runFerretDB(bin, filepath.Join(dir, "data"))
	return uri, err
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildFerretDB builds internal/ferretdb once per test binary, without the
// race detector, into a temporary directory of its own.
func buildFerretDB() (string, error) {
	buildOnce.Do(func() {
		root, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		tmp, err := os.MkdirTemp("", "mypinterest-ferretdb-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = tmp
		binPath = filepath.Join(tmp, "ferretdb")
		build := exec.Command("go", "build", "-o", binPath, "./internal/ferretdb")
		build.Dir = filepath.Dir(strings.TrimSpace(string(root)))
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./internal/ferretdb: %v\n%s", err, out)
		}
	})
	return binPath, buildErr
}

// runFerretDB starts bin on a free port with its files under dataDir and
// returns the process and its URI once it accepts connections.
func runFerretDB(bin, dataDir string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, "-dir", dataDir)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	// Its first line is the URI, printed once the listener is bound.
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case u, ok := <-line:
		if !ok {
			return nil, "", fmt.Errorf("ferretdb exited: %v", cmd.Wait())
		}
		return cmd, u, nil
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, "", fmt.Errorf("ferretdb printed no address within 2 minutes")
	}
}

// Process is a database server of one test's own, a child process the
// test may stop (SIGSTOP: connections stay open, nothing answers),
// continue and kill without disturbing the other tests.
type Process struct {
	URI string
	cmd *exec.Cmd
}

// StartProcess starts a private FerretDB (always embedded, even when
// MONGODB_URI is set) with its files in the test's temporary directory;
// it is killed when the test ends.
func StartProcess(tb testing.TB) *Process {
	tb.Helper()
	bin, err := buildFerretDB()
	if err != nil {
		tb.Fatalf("storetest: build database: %v", err)
	}
	cmd, u, err := runFerretDB(bin, tb.TempDir())
	if err != nil {
		tb.Fatalf("storetest: start database: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill() // SIGKILL ends a stopped process too
		_ = cmd.Wait()
	})
	return &Process{URI: u, cmd: cmd}
}

// Stop suspends the database (SIGSTOP) and returns once every thread of
// it is stopped: the signal alone takes effect a little later.
func (p *Process) Stop(tb testing.TB) {
	tb.Helper()
	p.signal(tb, syscall.SIGSTOP)
	deadline := time.Now().Add(10 * time.Second)
	for !Stopped(p.cmd.Process.Pid) {
		if time.Now().After(deadline) {
			tb.Fatal("storetest: database not stopped within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

// Stopped reports whether every thread of process pid is stopped (Linux),
// from the state after the parenthesised name in /proc/pid/task/*/stat:
// a SIGSTOP takes effect a little after kill(2) returns.
func Stopped(pid int) bool {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false
	}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		i := strings.LastIndexByte(string(b), ')')
		if err != nil || i < 0 || !strings.HasPrefix(string(b[i:]), ") T") {
			return false
		}
	}
	return true
}

// Continue resumes a stopped database (SIGCONT).
func (p *Process) Continue(tb testing.TB) {
	tb.Helper()
	p.signal(tb, syscall.SIGCONT)
}

func (p *Process) signal(tb testing.TB, sig syscall.Signal) {
	tb.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		tb.Fatalf("storetest: signal %v: %v", sig, err)
	}
}

// Main runs the tests of a package and then stops the embedded server and
// removes its files. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if server != nil && server.Process != nil {
		_ = server.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = server.Process.Kill()
		}
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// DBName returns a database name no other test uses.
func DBName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "test_" + hex.EncodeToString(b)
}

// New opens the embedded default store (SQLite) for a test; its files go
// with the test's temporary directory.
func New(tb testing.TB, opts ...store.Options) store.Store {
	tb.Helper()
	var o store.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return SQLite(tb, o)
}

// NewMongo opens a MongoDB store on a fresh database dropped at the end of
// the test.
func NewMongo(tb testing.TB, opts ...store.Options) *mongostore.Store {
	tb.Helper()
	var o mongostore.Options
	if len(opts) > 0 {
		o.Options = opts[0]
	}
	return Mongo(tb, o)
}

// Mongo opens a MongoDB store on a fresh database dropped at the end of the
// test.
func Mongo(tb testing.TB, o mongostore.Options) *mongostore.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if o.OpTimeout == 0 {
		// A loaded test machine may take longer than production's bound
		// to answer; the hung-database tests open stores of their own
		// with production's.
		o.OpTimeout = 10 * time.Second
	}
	s, err := mongostore.Open(ctx, URI(tb), DBName(), o)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Database().Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}

// SQLite opens an embedded store in a temporary directory removed at the
// end of the test.
func SQLite(tb testing.TB, opts store.Options) *sqlitestore.Store {
	tb.Helper()
	s, err := sqlitestore.Open(context.Background(), tb.TempDir(), opts)
	if err != nil {
		tb.Fatalf("storetest: open sqlite: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
