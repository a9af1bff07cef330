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

	n        atomic.Int64 // events received
	lat      []time.Duration
	seen     []bool
	dup, ooo int
	last     []int // per publisher: highest seq received, -1 at first
	// The topic's order, on frames that carry the product's position:
	// an offset at or below the last one is a step back, one above
	// last+1 a gap. ooo above is each publisher's order instead.
	lastOff         uint64
	offSeen         bool
	offBack, offGap int
	lastRecv        time.Time
	closeErr        error
	foreign         int // lines that were not bench events (real traffic, acks)
	maxEvents       int
	pong            bool // answer "{}" pings (Centrifugo)
}

// connectAll dials cfg.subs subscribers, round-robin over urls, a few at a
// time, and returns once every one has done sess's handshake (is subscribed).
func connectAll(ctx context.Context, urls []string, sess *session, cfg config) ([]*subscriber, error) {
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
			s, err := dialSubscriber(ctx, client, urls[i%len(urls)], sess, cfg)
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

func dialSubscriber(ctx context.Context, client *http.Client, url string, sess *session, cfg config) (*subscriber, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	if err := sess.handshake(dctx, ws); err != nil {
		_ = ws.CloseNow()
		return nil, err
	}
	s := newSubscriber(cfg.numPublishers(), cfg.events)
	s.ws, s.pong = ws, sess.pong
	go s.read()
	return s, nil
}

func newSubscriber(publishers, events int) *subscriber {
	s := &subscriber{
		done: make(chan struct{}), last: make([]int, publishers), maxEvents: events,
		lat: make([]time.Duration, 0, events), seen: make([]bool, events),
	}
	for i := range s.last {
		s.last[i] = -1
	}
	return s
}

// liveHandshake subscribes to topic with the product's protocol (LIVE.md),
// which the minimal anchor speaks too, and waits for "subscribed".
func liveHandshake(topic string) func(context.Context, *websocket.Conn) error {
	return func(ctx context.Context, ws *websocket.Conn) error {
		sub := fmt.Appendf(nil, `{"type":"subscribe","topic":%q}`, topic)
		if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
			return err
		}
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return err
			}
			for line := range bytes.SplitSeq(data, []byte{'\n'}) {
				var m struct{ Type, Topic, Code string }
				if json.Unmarshal(line, &m) != nil || m.Topic != topic {
					continue
				}
				switch m.Type {
				case "error":
					return fmt.Errorf("subscribe refused: %s", m.Code)
				case "subscribed":
					return nil
				}
			}
		}
	}
}

// benchEvent is what fanbench reads from a delivered event.
type benchEvent struct {
	pub, seq int
	sched    int64 // Unix ns: when the event was due to be sent
}

// benchMark is the token every driver puts in its event's payload (a JSON
// string value: a comment's content, a Centrifugo publication's data):
// "fb:<publisher>:<seq>:<scheduled send time, Unix ns>". It needs no JSON
// escaping, so it reads the same inside any target's frame.
func benchMark(pub, seq int, sched time.Time) string {
	return fmt.Sprintf("fb:%d:%d:%d", pub, seq, sched.UnixNano())
}

// parseBench finds the mark in one line of a frame. It scans instead of
// decoding JSON because the subscribers share the machine with the servers
// under test: client CPU spent decoding is CPU the servers do not get.
func parseBench(line []byte) (benchEvent, bool) {
	i := bytes.Index(line, []byte(`"fb:`))
	if i < 0 {
		return benchEvent{}, false
	}
	rest := line[i+len(`"fb:`):]
	var f [3]int64
	for k := range f {
		n, digits := int64(0), 0
		for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' && digits < 19 {
			n = n*10 + int64(rest[digits]-'0')
			digits++
		}
		want := byte(':')
		if k == len(f)-1 {
			want = '"'
		}
		if digits == 0 || digits >= len(rest) || rest[digits] != want {
			return benchEvent{}, false
		}
		f[k], rest = n, rest[digits+1:]
	}
	if f[0] > 1<<20 || f[1] > 1<<30 {
		return benchEvent{}, false
	}
	return benchEvent{pub: int(f[0]), seq: int(f[1]), sched: f[2]}, true
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
			if s.pong && string(line) == "{}" {
				// Centrifugo's ping; it disconnects a client that does
				// not answer. A write may block, so not on this goroutine.
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					_ = s.ws.Write(ctx, websocket.MessageText, []byte("{}"))
				}()
				continue
			}
			s.record(line, now)
		}
	}
}

// record accounts for one received line.
func (s *subscriber) record(line []byte, now time.Time) {
	if off, ok := offsetOf(line); ok {
		switch {
		case !s.offSeen:
		case off <= s.lastOff:
			s.offBack++
		case off > s.lastOff+1:
			s.offGap++
		}
		s.lastOff, s.offSeen = max(s.lastOff, off), true
	}
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
	s.lat = append(s.lat, now.Sub(time.Unix(0, e.sched)))
	s.lastRecv = now
	s.n.Add(1)
}

var offsetKey = []byte(`"offset":`)

// offsetOf reads the position the product puts at the end of an event
// frame (`"offset":N,"epoch":"…"}`); other targets' frames have none.
func offsetOf(line []byte) (uint64, bool) {
	i := bytes.LastIndex(line, offsetKey)
	if i < 0 {
		return 0, false
	}
	rest := line[i+len(offsetKey):]
	n, digits := uint64(0), 0
	for digits < len(rest) && digits < 19 && rest[digits] >= '0' && rest[digits] <= '9' {
		n = n*10 + uint64(rest[digits]-'0')
		digits++
	}
	if digits == 0 || !bytes.HasPrefix(rest[digits:], []byte(`,"epoch":"`)) {
		return 0, false
	}
	return n, true
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

// result is one run's figures.
type result struct {
	target, phase                   string
	subs, published, failed         int
	expected, got                   int64
	complete                        int // subscribers that got every event
	dup, ooo, cut, foreign          int
	offBack, offGap                 int  // the topic's offset order (product frames only)
	offSeen                         bool // some subscriber saw a position
	p50, p90, p99, p999, max        time.Duration
	pubTime, span                   time.Duration // publishing; first publish to last delivery
	kibPerConn, serverCPU, wallTime float64       // NaN without process ids
}

// deliveredPct is the share of expected deliveries that arrived.
func (r result) deliveredPct() float64 { return 100 * float64(r.got) / float64(max(r.expected, 1)) }

// rate is deliveries per second from the first publish to the last delivery.
func (r result) rate() float64 {
	if r.span <= 0 {
		return 0
	}
	return float64(r.got) / r.span.Seconds()
}

// collect closes the subscribers (so their fields are final) and sums them
// up. Latency is counted from each event's scheduled send time.
func collect(subs []*subscriber, published, failed int, start, pubDone time.Time) result {
	for _, s := range subs {
		s.close()
	}
	return summarizeSubs(subs, published, failed, start, pubDone)
}

// summarizeSubs adds up closed subscribers.
func summarizeSubs(subs []*subscriber, published, failed int, start, pubDone time.Time) result {
	r := result{subs: len(subs), published: published, failed: failed, expected: int64(published) * int64(len(subs)), pubTime: pubDone.Sub(start)}
	var all []time.Duration
	lastRecv := start
	for _, s := range subs {
		all = append(all, s.lat...)
		r.dup += s.dup
		r.foreign += s.foreign
		r.ooo += s.ooo
		r.offBack += s.offBack
		r.offGap += s.offGap
		r.offSeen = r.offSeen || s.offSeen
		r.got += int64(len(s.lat))
		if len(s.lat) == published {
			r.complete++
		}
		if s.lastRecv.After(lastRecv) {
			lastRecv = s.lastRecv
		}
		if st := websocket.CloseStatus(s.closeErr); st != -1 && st != websocket.StatusNormalClosure {
			r.cut++ // closed by the server (slow consumer, going away) before the end
		}
	}
	r.span = lastRecv.Sub(start)
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))]
	}
	r.p50, r.p90, r.p99, r.p999, r.max = pct(0.50), pct(0.90), pct(0.99), pct(0.999), pct(1)
	return r
}

// print writes r in the long form of a single run.
func (r result) print() {
	fmt.Printf("published   %d (failed %d) in %v (%.0f/s)\n", r.published, r.failed, r.pubTime.Round(time.Millisecond),
		float64(r.published)/max(r.pubTime.Seconds(), 1e-9))
	fmt.Printf("delivered   %d of %d expected (%.3f%%), %d/%d subscribers got every event\n",
		r.got, r.expected, r.deliveredPct(), r.complete, r.subs)
	fmt.Printf("duplicates  %d\nout-of-order %d (each publisher's order)\n", r.dup, r.ooo)
	fmt.Printf("offset order %d steps back, %d gaps (the topic's order, on frames with a position)\n", r.offBack, r.offGap)
	fmt.Printf("server-closed subscribers %d\nother lines %d (acks, real traffic)\n", r.cut, r.foreign)
	if r.span > 0 {
		fmt.Printf("throughput  %.0f deliveries/s over %v\n", r.rate(), r.span.Round(time.Millisecond))
	}
	fmt.Printf("latency     p50 %v  p90 %v  p99 %v  p99.9 %v  max %v (from each event's due time)\n",
		r.p50.Round(time.Microsecond), r.p90.Round(time.Microsecond), r.p99.Round(time.Microsecond),
		r.p999.Round(time.Microsecond), r.max.Round(time.Microsecond))
}
