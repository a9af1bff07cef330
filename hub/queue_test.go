package hub

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// queueConn is a conn with only what enqueue and pop use.
func queueConn(sendQueue int) *conn {
	h := &Hub{cfg: Config{SendQueue: sendQueue}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return &conn{hub: h, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func queued(c *conn) (n, capacity int) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return len(c.queue) - c.head, cap(c.queue)
}

// The queue holds no array while empty, batches in order within the frame
// limits, releases its array when it drains and overflows into a slow
// consumer close at SendQueue.
func TestQueueGrowsOnDemandAndReleases(t *testing.T) {
	c := queueConn(64)
	if n, capacity := queued(c); n != 0 || capacity != 0 {
		t.Fatalf("new queue: %d queued, capacity %d", n, capacity)
	}
	var msgs [maxBatchMessages][]byte
	if n := c.pop(&msgs); n != 0 {
		t.Fatalf("pop of an empty queue: %d", n)
	}

	for i := range 20 {
		if !c.enqueue(fmt.Appendf(nil, "%d", i)) {
			t.Fatalf("enqueue %d refused", i)
		}
	}
	if len(c.wake) != 1 {
		t.Fatalf("wake has %d signals, want 1", len(c.wake))
	}
	<-c.wake
	if n := c.pop(&msgs); n != maxBatchMessages {
		t.Fatalf("first pop: %d messages, want %d", n, maxBatchMessages)
	}
	for i, m := range msgs {
		if string(m) != fmt.Sprint(i) {
			t.Fatalf("message %d is %q", i, m)
		}
	}
	if n := c.pop(&msgs); n != 4 || string(msgs[0]) != "16" || string(msgs[3]) != "19" {
		t.Fatalf("second pop: %d messages starting %q", n, msgs[0])
	}
	if c.queue != nil || c.head != 0 {
		t.Fatalf("drained queue keeps its array: len %d cap %d head %d", len(c.queue), cap(c.queue), c.head)
	}
	if c.enqueue([]byte("x")); len(c.wake) != 1 {
		t.Fatal("no wake-up for a message in an empty queue")
	}

	// The byte limit: a frame stops growing once it reaches maxBatchBytes.
	c = queueConn(4)
	big := bytes.Repeat([]byte("b"), 40<<10)
	for range 4 {
		c.enqueue(big)
	}
	if n := c.pop(&msgs); n != 2 {
		t.Fatalf("pop of 40 KiB messages: %d, want 2", n)
	}
	// Refilling reuses the popped front instead of growing.
	_, before := queued(c)
	c.enqueue([]byte("5"))
	c.enqueue([]byte("6"))
	if n, capacity := queued(c); n != 4 || capacity != before {
		t.Fatalf("after refill: %d queued, capacity %d (was %d)", n, capacity, before)
	}
	if c.enqueue([]byte("7")) || !c.closing.Load() || c.code != StatusSlowConsumer {
		t.Fatal("a full queue did not close the connection as a slow consumer")
	}
	if s := c.hub.Stats(); s.SlowDisconnects != 1 {
		t.Fatalf("stats %+v", s)
	}
	// Order is kept across the reuse.
	if n := c.pop(&msgs); n != 2 || len(msgs[0]) != len(big) || len(msgs[1]) != len(big) {
		t.Fatalf("third pop: %d messages", n)
	}
	if n := c.pop(&msgs); n != 2 || string(msgs[0]) != "5" || string(msgs[1]) != "6" {
		t.Fatalf("fourth pop: %d messages, %q %q", n, msgs[0], msgs[1])
	}
}

// After a burst has been written, the connection's queue holds no array.
func TestQueueReleasedAfterBurst(t *testing.T) {
	h, srv := mustHub(t, Config{SendQueue: 4096})
	cl := mustDial(t, srv, "")
	cl.subscribe("pins")
	const n = 2000
	for i := range n {
		mustPublish(t, h, "pins", i)
	}
	cl.expectSeqs("pins", 0, n)
	h.mu.Lock()
	var c *conn
	for c = range h.conns {
	}
	h.mu.Unlock()
	waitFor(t, "the drained queue to be released", 5*time.Second, func() bool {
		c.qmu.Lock()
		defer c.qmu.Unlock()
		return c.queue == nil && c.head == 0
	})
}

// A frame write that cannot complete (the client stopped reading, its
// receive buffer is tiny and the frame is far larger than the kernel's
// socket buffers) cuts the connection after WriteTimeout even though no
// write context has a deadline.
func TestStuckWriteClosesConnection(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h, srv := mustHub(t, Config{WriteTimeout: timeout})
	cl := dialTinyReadBuffer(t, srv)
	cl.subscribe("pins")

	// 32 MiB: larger than any loopback send plus receive buffer here
	// (tcp_wmem max 4 MiB, and the client's receive buffer is pinned).
	msg := append([]byte(`{"type":"event","topic":"pins","data":{"pad":"`), bytes.Repeat([]byte("p"), 32<<20)...)
	msg = append(msg, `"}}`...)
	start := time.Now()
	if err := h.Publish(context.Background(), "pins", msg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stuck connection to be cut", 10*time.Second, func() bool { return h.Stats().Connections == 0 })
	if d := time.Since(start); d < timeout {
		t.Fatalf("cut after %v, before the write timeout %v", d, timeout)
	} else {
		t.Logf("cut %v after the publish", d)
	}
	if s := h.Stats(); s.SlowDisconnects != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// enqueueAll queues what fits, in order, and closes the connection as a
// slow consumer when the rest does not fit.
func TestQueueEnqueueAllOverflows(t *testing.T) {
	c := queueConn(8)
	msgs := make([][]byte, 6)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, "m%d", i)
	}
	if n := c.enqueueAll(msgs); n != 6 || c.closing.Load() {
		t.Fatalf("6 into 8: queued %d, closing %v", n, c.closing.Load())
	}
	if n := c.enqueueAll(msgs); n != 2 || !c.closing.Load() || c.code != StatusSlowConsumer {
		t.Fatalf("6 more into 8: queued %d, closing %v (code %d), want 2 and a slow consumer close", n, c.closing.Load(), c.code)
	}
	var got [maxBatchMessages][]byte
	n := c.pop(&got)
	want := append(append([][]byte{}, msgs...), msgs[:2]...)
	if n != 8 || !slices.EqualFunc(got[:n], want, bytes.Equal) {
		t.Fatalf("queue %q, want %q", got[:n], want)
	}
}
