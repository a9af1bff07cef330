package main

import (
	"os"
	"testing"
	"time"
)

// TestServerCPU measures this process's own CPU after a warm-up: a busy
// loop must show, and a missing process measures nothing.
func TestServerCPU(t *testing.T) {
	done := serverCPU(os.Getpid(), time.Millisecond)
	time.Sleep(50 * time.Millisecond) // the warm-up ends
	start, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if now, _ := processCPU(os.Getpid()); now-start >= 50*time.Millisecond {
			break
		}
	}
	if used := done(); used < 50*time.Millisecond {
		t.Fatalf("measured %s of CPU after spinning for at least 50 ms", used)
	}
}

func TestServerCPUNoProcess(t *testing.T) {
	if used := serverCPU(0, 0)(); used != 0 {
		t.Fatalf("pid 0 measured %s", used)
	}
	if _, err := processCPU(1 << 30); err == nil {
		t.Fatal("processCPU of a missing process: no error")
	}
}
