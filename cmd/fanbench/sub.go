package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// subscriber is one benchmark WebSocket client. Its read goroutine owns
// every field but n, which report-side polling reads atomically; the rest is
// read only after close has waited for that goroutine.
type subscriber struct {
	ws   *websocket.Conn
	done chan struct{} // closed when the read goroutine exits

	n         atomic.Int64 // events received
	lat       []time.Duration
	seen      []bool
	dup, ooo  int
	last      []int // per publisher: highest seq received, -1 at first
	lastRecv  time.Time
	closeErr  error
	foreign   int // lines that were not bench events (real traffic, acks)
	maxEvents int
}

// connectAll dials cfg.subs subscribers, round-robin over urls, a few at a
// time, and returns once every one has its "subscribed" acknowledgement.
func connectAll(ctx context.Context, urls []string, cfg config) ([]*subscriber, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	subs := make([]*subscriber, cfg.subs)
	errs := make(chan error, cfg.subs)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := dialSubscriber(ctx, client, urls[i%len(urls)], cfg)
			if err != nil {
				errs <- fmt.Errorf("subscriber %d: %w", i, err)
				return
			}
			subs[i] = s
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		for _, s := range subs {
			if s != nil {
				s.close()
			}
		}
		return nil, err
	}
	return subs, nil
}

func dialSubscriber(ctx context.Context, client *http.Client, url string, cfg config) (*subscriber, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	sub := fmt.Appendf(nil, `{"type":"subscribe","topic":%q}`, cfg.topic)
	if err := ws.Write(dctx, websocket.MessageText, sub); err != nil {
		_ = ws.CloseNow()
		return nil, err
	}
	for {
		_, data, err := ws.Read(dctx)
		if err != nil {
			_ = ws.CloseNow()
			return nil, err
		}
		var m struct{ Type, Topic, Code string }
		if json.Unmarshal(data, &m) == nil && m.Topic == cfg.topic {
			if m.Type == "error" {
				_ = ws.CloseNow()
				return nil, fmt.Errorf("subscribe refused: %s", m.Code)
			}
			if m.Type == "subscribed" {
				break
			}
		}
	}
	s := &subscriber{
		ws: ws, done: make(chan struct{}), last: make([]int, cfg.numPublishers()), maxEvents: cfg.events,
		lat: make([]time.Duration, 0, cfg.events), seen: make([]bool, cfg.events),
	}
	for i := range s.last {
		s.last[i] = -1
	}
	go s.read()
	return s, nil
}

// benchEvent is the part of an event frame fanbench reads.
type benchEvent struct {
	pub, seq int
	sent     int64
}

// parseBench extracts a bench event from one line in the exact shape
// benchMsg writes. It scans instead of calling json.Unmarshal because the
// subscribers share the machine with the servers under test: client CPU
// spent decoding is CPU the servers do not get.
func parseBench(line []byte) (benchEvent, bool) {
	if !bytes.Contains(line, []byte(`"event":"bench"`)) {
		return benchEvent{}, false
	}
	var e benchEvent
	var ok1, ok2, ok3 bool
	e.pub, ok1 = intField(line, `"pub":`)
	e.seq, ok2 = intField(line, `"seq":`)
	sent, ok3 := intField(line, `"sent":`)
	e.sent = int64(sent)
	return e, ok1 && ok2 && ok3
}

// intField returns the non-negative integer following key in line.
func intField(line []byte, key string) (int, bool) {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return 0, false
	}
	n, digits := 0, 0
	for _, c := range line[i+len(key):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return n, digits > 0
}

func (s *subscriber) read() {
	defer close(s.done)
	var buf bytes.Buffer // reused for every frame
	for {
		_, r, err := s.ws.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			s.closeErr = err
			return
		}
		now := time.Now()
		for line := range bytes.SplitSeq(buf.Bytes(), []byte{'\n'}) {
			s.record(line, now)
		}
	}
}

// record accounts for one received line.
func (s *subscriber) record(line []byte, now time.Time) {
	e, ok := parseBench(line)
	if !ok || e.seq >= s.maxEvents || e.pub >= len(s.last) {
		s.foreign++
		return
	}
	if s.seen[e.seq] {
		s.dup++
		return
	}
	s.seen[e.seq] = true
	if e.seq < s.last[e.pub] {
		s.ooo++
	}
	s.last[e.pub] = max(s.last[e.pub], e.seq)
	s.lat = append(s.lat, now.Sub(time.Unix(0, e.sent)))
	s.lastRecv = now
	s.n.Add(1)
}

func (s *subscriber) close() {
	_ = s.ws.CloseNow()
	<-s.done
}

func delivered(subs []*subscriber) int64 {
	var n int64
	for _, s := range subs {
		n += s.n.Load()
	}
	return n
}

// report closes the subscribers (so their fields are final) and prints the
// results.
func report(subs []*subscriber, cfg config, published, failed int, start, pubDone time.Time) {
	for _, s := range subs {
		s.close()
	}
	var (
		all                 []time.Duration
		dup, ooo, abnormal  int
		foreign             int
		lastRecv            = start
		got                 int64
		expected            = int64(published) * int64(len(subs))
		subsWithAllMessages int
	)
	for _, s := range subs {
		all = append(all, s.lat...)
		dup += s.dup
		foreign += s.foreign
		ooo += s.ooo
		got += int64(len(s.lat))
		if len(s.lat) == published {
			subsWithAllMessages++
		}
		if s.lastRecv.After(lastRecv) {
			lastRecv = s.lastRecv
		}
		if st := websocket.CloseStatus(s.closeErr); st != -1 && st != websocket.StatusNormalClosure {
			abnormal++ // closed by the server (slow consumer, going away) before the end
		}
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	elapsed := lastRecv.Sub(start)
	fmt.Printf("published   %d (failed %d) in %v (%.0f/s)\n", published, failed, pubDone.Sub(start).Round(time.Millisecond),
		float64(published)/pubDone.Sub(start).Seconds())
	fmt.Printf("delivered   %d of %d expected (%.3f%%), %d/%d subscribers got every event\n",
		got, expected, 100*float64(got)/float64(max(expected, 1)), subsWithAllMessages, len(subs))
	fmt.Printf("duplicates  %d\nout-of-order %d\nserver-closed subscribers %d\nother lines %d (acks, real traffic)\n", dup, ooo, abnormal, foreign)
	if elapsed > 0 {
		fmt.Printf("throughput  %.0f deliveries/s over %v\n", float64(got)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	}
	fmt.Printf("latency     p50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n",
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond),
		pct(0.999).Round(time.Microsecond), pct(1).Round(time.Microsecond))
}
