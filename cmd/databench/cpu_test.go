package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestServerUsage measures this process's own CPU and faults after a
// warm-up: a busy loop must show, and so must touching new pages of a
// file map.
func TestServerUsage(t *testing.T) {
	done := serverUsage(os.Getpid(), time.Millisecond)
	time.Sleep(50 * time.Millisecond) // the warm-up ends
	start, err := processUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if now, _ := processUsage(os.Getpid()); now.cpu-start.cpu >= 50*time.Millisecond {
			break
		}
	}
	// Every page of a new private map is a fault when first touched.
	const pages = 64
	m, err := syscall.Mmap(-1, 0, pages*os.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	for i := 0; i < len(m); i += os.Getpagesize() {
		m[i] = 1
	}
	u := done()
	if u.cpu < 50*time.Millisecond {
		t.Errorf("measured %s of CPU after spinning for at least 50 ms", u.cpu)
	}
	if u.faults < pages {
		t.Errorf("measured %d faults after touching %d new pages", u.faults, pages)
	}
}

func TestServerUsageNoProcess(t *testing.T) {
	if u := serverUsage(0, 0)(); u != (usage{}) {
		t.Fatalf("pid 0 measured %+v", u)
	}
	if _, err := processUsage(1 << 30); err == nil {
		t.Fatal("processUsage of a missing process: no error")
	}
}
