//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// ServerBinary builds cmd/mypinterest once per test binary, with the same
// flags as deploy/Dockerfile, and returns its path.
func ServerBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "mypinterest-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "mypinterest")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", builtBin, "./cmd/mypinterest")
		cmd.Dir = RepoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// Instance is one running server process.
type Instance struct {
	Addr string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan error
}

// StartInstance runs the server binary with env and waits until /readyz
// answers 200. It is killed when the test ends. ADDR and DATA_DIR are fresh
// unless env sets them (to restart a server where it was).
func StartInstance(t testing.TB, env map[string]string) *Instance {
	t.Helper()
	bin := ServerBinary(t)
	addr, dataDir := env["ADDR"], env["DATA_DIR"]
	if addr == "" {
		addr = freeLoopbackAddr(t)
	}
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	inst := &Instance{Addr: addr, out: &tailBuffer{max: 64 << 10}, done: make(chan error, 1)}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "ADDR=" + addr, "DATA_DIR=" + dataDir}
	for k, v := range env {
		if k == "ADDR" || k == "DATA_DIR" {
			continue
		}
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = inst.out, inst.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst.cmd = cmd
	go func() { inst.done <- cmd.Wait() }()
	t.Cleanup(func() { inst.Kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + inst.Addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return inst
			}
		}
		select {
		case err := <-inst.done:
			inst.done <- err
			t.Fatalf("instance exited at start: %v\n%s", err, inst.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s not ready within 60s\n%s", inst.Addr, inst.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the process at once (SIGKILL), as a crash would.
func (i *Instance) Kill() {
	if i.cmd.Process == nil {
		return
	}
	_ = i.cmd.Process.Kill()
	<-i.done
	i.done <- nil
}

// Terminate sends SIGTERM and waits for the exit status within ctx.
func (i *Instance) Terminate(ctx context.Context) error {
	_ = i.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-i.done:
		i.done <- nil
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Output is the tail of the process's output, for failure messages.
func (i *Instance) Output() string { return i.out.String() }
