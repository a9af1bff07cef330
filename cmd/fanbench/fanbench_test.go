package main

import (
	"context"
	"fmt"
	"math"
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
	sched := time.Unix(1700000000, 123456789)
	for _, line := range []string{
		string(liveEvent("pins", 3, 41, sched)),
		// a product comment.created carrying the mark as its content
		`{"type":"event","topic":"pin:1","event":"comment.created","data":{"id":"x","content":"` + benchMark(3, 41, sched) + `","author":{"nickname":"fb"}},"ts":1}`,
		// a Centrifugo publication push
		`{"push":{"channel":"bench","pub":{"data":{"m":"` + benchMark(3, 41, sched) + `"},"offset":7}}}`,
	} {
		e, ok := parseBench([]byte(line))
		if !ok || e.pub != 3 || e.seq != 41 || e.sched != sched.UnixNano() {
			t.Errorf("parseBench(%s) = %+v, %v", line, e, ok)
		}
	}
	for _, line := range []string{
		`{"type":"subscribed","topic":"pins"}`,
		`{}`,
		`{"data":{"m":"fb:1:2"}}`,
		`{"data":{"m":"fb:1:2:3x"}}`,
		`{"data":{"m":"fb:1:-2:3"}}`,
		`{"data":{"m":"fb::2:3"}}`,
		`{"data":{"m":"fb:1:2:3`,
		`{"data":{"m":"fb:1:2:99999999999999999999999"}}`,
	} {
		if _, ok := parseBench([]byte(line)); ok {
			t.Errorf("parseBench(%s) accepted", line)
		}
	}
}

// TestSubscriberRecord checks duplicate and per-publisher order accounting:
// publishers' interleaving is not disorder, a step back within one is.
func TestSubscriberRecord(t *testing.T) {
	s := newSubscriber(2, 10)
	now := time.Now()
	for _, ev := range []struct{ pub, seq int }{{0, 0}, {1, 5}, {0, 1}, {1, 6}, {1, 6}, {0, 3}, {0, 2}} {
		s.record(liveEvent("pins", ev.pub, ev.seq, now), now)
	}
	s.record([]byte(`{"type":"subscribed","topic":"pins"}`), now)
	s.record(liveEvent("pins", 0, 10, now), now) // beyond -events
	s.record(liveEvent("pins", 2, 7, now), now)  // unknown publisher
	if s.n.Load() != 6 || s.dup != 1 || s.ooo != 1 || s.foreign != 3 {
		t.Fatalf("n=%d dup=%d ooo=%d foreign=%d; want 6 1 1 3", s.n.Load(), s.dup, s.ooo, s.foreign)
	}
}

// TestSubscriberOffsets: the topic's order is checked on the position the
// product appends, on every frame that has one; other frames are ignored.
func TestSubscriberOffsets(t *testing.T) {
	s := newSubscriber(1, 10)
	now := time.Now()
	at := func(seq int, off uint64) []byte {
		ev := liveEvent("pins", 0, seq, now)
		return fmt.Appendf(ev[:len(ev)-1:len(ev)-1], `,"offset":%d,"epoch":"e1"}`, off)
	}
	for _, line := range [][]byte{
		at(0, 7), at(1, 8), at(2, 10), at(3, 9), // a gap, then a step back
		[]byte(`{"type":"event","topic":"pins","event":"presence","data":{"viewers":3}}`),
		[]byte(`{"push":{"channel":"pins","pub":{"data":{},"offset":2}}}`), // Centrifugo's: not ours
		at(4, 11),
	} {
		s.record(line, now)
	}
	if !s.offSeen || s.offGap != 1 || s.offBack != 1 || s.lastOff != 11 {
		t.Fatalf("seen %v, gaps %d, steps back %d, last %d; want true 1 1 11", s.offSeen, s.offGap, s.offBack, s.lastOff)
	}
}

// TestLatencyFromSchedule: latency counts from when an event was due, not
// from when a late publisher got round to sending it.
func TestLatencyFromSchedule(t *testing.T) {
	s := newSubscriber(1, 2)
	due := time.Now()
	s.record(liveEvent("t", 0, 0, due), due.Add(30*time.Millisecond))
	s.record(liveEvent("t", 0, 1, due.Add(200*time.Millisecond)), due.Add(900*time.Millisecond))
	if len(s.lat) != 2 || s.lat[0] != 30*time.Millisecond || s.lat[1] != 700*time.Millisecond {
		t.Fatalf("latencies %v; want [30ms 700ms]", s.lat)
	}
}

// TestPublishAllSchedule: a publisher slower than the rate keeps each
// event's due time on the schedule, so its lateness shows as latency.
func TestPublishAllSchedule(t *testing.T) {
	var got []time.Time
	start := time.Now()
	publish := func(_ context.Context, pub, seq int, sched time.Time) error {
		got = append(got, sched)
		time.Sleep(30 * time.Millisecond) // slower than 100/s
		return nil
	}
	n, failed, err := publishAll(context.Background(), config{events: 5, rate: 100}, publish)
	if n != 5 || failed != 0 || err != nil {
		t.Fatalf("published %d, failed %d, %v", n, failed, err)
	}
	for i, at := range got {
		off := at.Sub(got[0])
		if want := time.Duration(i) * 10 * time.Millisecond; off < want-time.Millisecond || off > want+time.Millisecond {
			t.Errorf("event %d due %v after the first; want %v", i, off, want)
		}
	}
	if got[0].Sub(start) > time.Second { // generous: a loaded machine
		t.Errorf("first event due %v after the start", got[0].Sub(start))
	}
}

func TestCollect(t *testing.T) {
	start := time.Now()
	a, b := newSubscriber(1, 3), newSubscriber(1, 3)
	for _, s := range []*subscriber{a, b} {
		s.ws = nil
		close(s.done)
	}
	for seq := range 3 {
		a.record(liveEvent("t", 0, seq, start), start.Add(time.Duration(seq+1)*100*time.Millisecond))
	}
	b.record(liveEvent("t", 0, 1, start), start.Add(50*time.Millisecond))
	b.record(liveEvent("t", 0, 0, start), start.Add(60*time.Millisecond))
	r := summarizeSubs([]*subscriber{a, b}, 3, 0, start, start.Add(time.Millisecond))
	if r.got != 5 || r.expected != 6 || r.complete != 1 || r.ooo != 1 || r.dup != 0 {
		t.Fatalf("%+v", r)
	}
	if r.p50 != 100*time.Millisecond || r.max != 300*time.Millisecond || r.span != 300*time.Millisecond {
		t.Fatalf("p50 %v max %v span %v", r.p50, r.max, r.span)
	}
	if got := r.deliveredPct(); got < 83.3 || got > 83.4 {
		t.Fatalf("delivered %.2f %%", got)
	}
}

func TestCentrifugoReply(t *testing.T) {
	for _, c := range []struct {
		line    string
		done    bool
		wantErr bool
	}{
		{`{"id":1,"connect":{"client":"c","version":"6.9.1","ping":25,"pong":true}}`, true, false},
		{`{"id":2,"subscribe":{}}`, true, false},
		{`{"id":2,"error":{"code":103,"message":"permission denied"}}`, false, true},
		{`{}`, false, false},
		{`{"push":{"channel":"x","pub":{"data":{}}}}`, false, false},
		{``, false, false},
	} {
		done, err := centrifugoReply([]byte(c.line))
		if done != c.done || (err != nil) != c.wantErr {
			t.Errorf("centrifugoReply(%s) = %v, %v", c.line, done, err)
		}
	}
}

func TestSummaryMath(t *testing.T) {
	if m := median([]float64{3, math.NaN(), 1, 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
	if m := median([]float64{4, 1}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
	if m := median([]float64{math.NaN()}); !math.IsNaN(m) {
		t.Errorf("median of NaN = %v", m)
	}
	r := result{got: 500_000, serverCPU: 10}
	if c := cpuPerMillion(r); c != 20 {
		t.Errorf("cpuPerMillion = %v", c)
	}
	c := compareConfig{rate: 5, duration: 20 * time.Second, burstEvents: 200, publishers: 8}
	if p := c.phaseConfig(phasePaced, 10); p.events != 100 || p.publishers != 0 {
		t.Errorf("paced %+v", p)
	}
	if p := c.phaseConfig(phaseSaturated, 10); p.events != 200 || p.publishers != 1 {
		t.Errorf("saturated %+v", p)
	}
	if p := c.phaseConfig(phaseBurst, 10); p.events != 200 || p.publishers != 8 {
		t.Errorf("burst %+v", p)
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
