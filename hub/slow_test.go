package hub

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A client that never reads fills its TCP buffers, then its send queue, and
// is closed with StatusSlowConsumer; the clients that read receive every
// message meanwhile.
func TestSlowConsumerDisconnected(t *testing.T) {
	h, srv := mustHub(t, Config{SendQueue: 64, WriteTimeout: 10 * time.Second})
	slow := mustDial(t, srv, "")
	slow.subscribe("pins")
	fast := []*client{mustDial(t, srv, ""), mustDial(t, srv, "")}
	for _, c := range fast {
		c.subscribe("pins")
	}

	// Fast readers count what they got so the publisher can keep them
	// within their queue: only the slow one may overflow.
	var mu sync.Mutex
	got := make([]int, len(fast))
	errs := make(chan error, len(fast))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range fast {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				m, err := c.read(ctx)
				cancel()
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if m.Data.Seq != got[i] {
					mu.Unlock()
					errs <- fmt.Errorf("client %d: seq %d, want %d", i, m.Data.Seq, got[i])
					return
				}
				got[i]++
				mu.Unlock()
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	caughtUp := func(n int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, g := range got {
				if g < n {
					return false
				}
			}
			return true
		}
	}

	pad := strings.Repeat("p", 4000) // 4 KB events fill socket buffers quickly
	publish := func(seq int) {
		msg := fmt.Appendf(nil, `{"type":"event","topic":"pins","event":"test","data":{"seq":%d,"pad":%q},"ts":0}`, seq, pad)
		if err := h.Publish(context.Background(), "pins", msg); err != nil {
			t.Fatal(err)
		}
	}
	const window = 32
	seq := 0
	deadline := time.Now().Add(60 * time.Second)
	for h.Stats().SlowDisconnects == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("slow client not disconnected after %d events", seq)
		}
		for range window {
			publish(seq)
			seq++
		}
		waitFor(t, fmt.Sprintf("fast clients at %d", seq), 20*time.Second, caughtUp(seq))
	}
	// Everyone else keeps receiving after the disconnect.
	for range window {
		publish(seq)
		seq++
	}
	waitFor(t, "fast clients after the disconnect", 20*time.Second, caughtUp(seq))
	close(stop)
	select {
	case err := <-errs:
		t.Fatalf("fast client: %v", err)
	default:
	}

	// The slow client now reads: what was already written, then the close
	// frame with the slow-consumer code, never every message.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := 0
	for {
		_, err := slow.read(ctx)
		if err == nil {
			n++
			continue
		}
		if websocket.CloseStatus(err) != StatusSlowConsumer {
			t.Fatalf("slow client: %v after %d messages, want close %d", err, n, StatusSlowConsumer)
		}
		break
	}
	if n >= seq {
		t.Fatalf("slow client read %d of %d: its queue was flushed", n, seq)
	}
	t.Logf("slow client disconnected after %d events; it read %d", seq, n)
	if s := h.Stats(); s.SlowDisconnects != 1 || s.Dropped == 0 {
		t.Fatalf("stats %+v", s)
	}
	for _, c := range fast {
		_ = c.ws.CloseNow()
	}
	wg.Wait()
}

// The hub pings; a client that reads answers and stays; one that never
// reads cannot answer and is dropped after WriteTimeout.
func TestKeepalive(t *testing.T) {
	h, srv := mustHub(t, Config{PingInterval: 50 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	var pings atomic.Int32
	live, _, err := dialOpts(t, wsURL(srv), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	mustDial(t, srv, "") // never reads, so never answers a ping
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		_, err := live.read(ctx)
		readErr <- err
	}()
	waitFor(t, "the non-reading client to be dropped", 10*time.Second, func() bool { return h.Stats().Connections == 1 })
	waitFor(t, "three pings", 10*time.Second, func() bool { return pings.Load() >= 3 })
	select {
	case err := <-readErr:
		t.Fatalf("reading client dropped: %v", err)
	default:
	}
	cancel()
	<-readErr
}
