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
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	bin := filepath.Join(dir, "ferretdb")
	build := exec.Command("go", "build", "-o", bin, "./internal/ferretdb")
	build.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./internal/ferretdb: %v\n%s", err, out)
	}
	server = exec.Command(bin, "-dir", filepath.Join(dir, "data"))
	server.Stderr = os.Stderr
	server.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := server.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := server.Start(); err != nil {
		return "", err
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
			return "", fmt.Errorf("ferretdb exited: %v", server.Wait())
		}
		return u, nil
	case <-time.After(2 * time.Minute):
		_ = server.Process.Kill()
		return "", fmt.Errorf("ferretdb printed no address within 2 minutes")
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
