// Package redistest starts a throwaway redis-server for tests. The one test
// command runs everything, so tests start their own server instead of
// skipping when none is configured.
package redistest

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Binary is the redis-server executable the helpers start.
var Binary = "/usr/bin/redis-server"

// Server is one redis-server process on 127.0.0.1, without persistence.
// Its methods are meant for the test goroutine only.
type Server struct {
	// Addr is "127.0.0.1:port"; it stays the same across Restart.
	Addr string
	port int
	cmd  *exec.Cmd
	out  *bytes.Buffer
}

// Start starts a redis-server on a free port and waits until it answers
// PING. It fails tb (with a clear message when redis-server is missing) and
// registers a Cleanup that kills the process by PID.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if _, err := os.Stat(Binary); err != nil {
		tb.Fatalf("redistest: %s is missing (apt-get install redis-server): %v", Binary, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), port: port}
	s.start(tb)
	tb.Cleanup(s.Stop)
	return s
}

// StartRedis is Start for callers that only want the address and a stop
// function (stop is also run by Cleanup; calling it twice is harmless).
func StartRedis(tb testing.TB) (addr string, stop func()) {
	tb.Helper()
	s := Start(tb)
	return s.Addr, s.Stop
}

func (s *Server) start(tb testing.TB) {
	tb.Helper()
	s.out = new(bytes.Buffer)
	s.cmd = exec.Command(Binary,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("redistest: start %s: %v", Binary, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !ping(s.Addr) {
		if time.Now().After(deadline) {
			s.Stop()
			tb.Fatalf("redistest: redis-server on %s did not answer PING within 10s; output:\n%s", s.Addr, s.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the process (by its PID) and waits for it; the port is free
// again when Stop returns.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts a new process on the same port after Stop, simulating a
// Redis restart (the data set is empty again).
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Stop()
	s.start(tb)
}

// ping reports whether a Redis server on addr answers PING.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}
