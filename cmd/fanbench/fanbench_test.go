package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// A /proc/<pid>/status and stat of a real process, trimmed; the command
// name contains a space and a ')' to exercise the stat parser.
const (
	sampleStatus = `Name:	mypinterest
Umask:	0022
State:	S (sleeping)
Tgid:	4242
VmPeak:	 1290604 kB
VmSize:	 1290604 kB
VmHWM:	  187432 kB
VmRSS:	  181220 kB
RssAnon:	  160004 kB
Threads:	9
`
	sampleStat = `4242 (my pin) (x) S 4100 4242 4100 34816 4242 4194560 52079 0 3 0 1234 567 0 0 20 0 9 0 8123456 1321578496 45305 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0` + "\n"
)

func TestParseProc(t *testing.T) {
	rss, err := parseStatusRSS([]byte(sampleStatus))
	if err != nil || rss != 181220 {
		t.Fatalf("parseStatusRSS = %d, %v; want 181220", rss, err)
	}
	cpu, err := parseStatCPU([]byte(sampleStat))
	if err != nil || cpu != 1234+567 {
		t.Fatalf("parseStatCPU = %d, %v; want %d", cpu, err, 1234+567)
	}
	if _, err := parseStatusRSS([]byte("Name:\tkthreadd\n")); err == nil {
		t.Fatal("status without VmRSS parsed")
	}
	if _, err := parseStatCPU([]byte("1 (x) S 0 1")); err == nil {
		t.Fatal("short stat parsed")
	}
}

// TestReadOwnProc reads this test process, which certainly has some RSS.
func TestReadOwnProc(t *testing.T) {
	s, err := sampleAll([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if s[0].rssKiB <= 0 || s[0].cpuTicks < 0 {
		t.Fatalf("sample %+v", s[0])
	}
}

func TestParsePIDs(t *testing.T) {
	pids, err := parsePIDs("12, 34")
	if err != nil || len(pids) != 2 || pids[0] != 12 || pids[1] != 34 {
		t.Fatalf("parsePIDs = %v, %v", pids, err)
	}
	for _, bad := range []string{"x", "1,,2", "-3", "0"} {
		if _, err := parsePIDs(bad); err == nil {
			t.Errorf("parsePIDs(%q) accepted", bad)
		}
	}
}

func TestParseBench(t *testing.T) {
	e, ok := parseBench(benchMsg("pins", 3, 41))
	if !ok || e.pub != 3 || e.seq != 41 || e.sent <= 0 {
		t.Fatalf("parseBench(benchMsg) = %+v, %v", e, ok)
	}
	for _, line := range []string{
		`{"type":"subscribed","topic":"pins"}`,
		`{"type":"event","topic":"pins","event":"pin.created","data":{"seq":1},"ts":1}`,
		`{"type":"event","topic":"pins","event":"bench","data":{"pub":0,"seq":-1,"sent":1},"ts":1}`,
	} {
		if _, ok := parseBench([]byte(line)); ok {
			t.Errorf("parseBench(%s) accepted", line)
		}
	}
}

// TestSubscriberRecord checks duplicate and per-publisher order accounting:
// publishers' interleaving is not disorder, a step back within one is.
func TestSubscriberRecord(t *testing.T) {
	s := &subscriber{last: []int{-1, -1}, seen: make([]bool, 10), maxEvents: 10}
	now := time.Now()
	for _, ev := range []struct{ pub, seq int }{{0, 0}, {1, 5}, {0, 1}, {1, 6}, {1, 6}, {0, 3}, {0, 2}} {
		s.record(benchMsg("pins", ev.pub, ev.seq), now)
	}
	if s.n.Load() != 6 || s.dup != 1 || s.ooo != 1 || s.foreign != 0 {
		t.Fatalf("n=%d dup=%d ooo=%d foreign=%d; want 6 1 1 0", s.n.Load(), s.dup, s.ooo, s.foreign)
	}
}

// TestRunInProcess runs both modes end to end on in-process hubs.
func TestRunInProcess(t *testing.T) {
	for _, cfg := range []config{
		{subs: 20, events: 50, rate: 2000, topic: "pins", queue: 256, wait: 5 * time.Second},
		{subs: 20, events: 200, rate: 1, publishers: 4, topic: "pins", queue: 256, wait: 5 * time.Second},
	} {
		if err := run(context.Background(), cfg); err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}
