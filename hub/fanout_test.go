package hub

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Whoever takes messages owns the connection's writes until release: a
// second taker (the writer and a fan-out worker) gets nothing, and a
// message that lands meanwhile asks nobody to write (the owner sees it at
// release).
func TestQueueTakeOwnsTheWrites(t *testing.T) {
	c := queueConn(64)
	if queued, idle := c.enqueueFanout([]byte("a")); !queued || !idle {
		t.Fatalf("first message: queued %v, idle %v, want both", queued, idle)
	}
	if len(c.wake) != 0 {
		t.Fatal("the fan-out's enqueue woke the writer")
	}
	var owner, other [maxBatchMessages][]byte
	if n := c.take(&owner); n != 1 || string(owner[0]) != "a" {
		t.Fatalf("take: %d %q", n, owner[0])
	}
	if queued, idle := c.enqueueFanout([]byte("b")); !queued || idle {
		t.Fatalf("message during a write: queued %v, idle %v, want queued and not idle", queued, idle)
	}
	if n := c.take(&other); n != 0 {
		t.Fatalf("a second taker got %d messages during the owner's write", n)
	}
	if !c.release() {
		t.Fatal("release did not report the message queued during the write")
	}
	if n := c.take(&other); n != 1 || string(other[0]) != "b" {
		t.Fatalf("take after release: %d %q", n, other[0])
	}
	if c.release() {
		t.Fatal("release reports more on an empty queue")
	}
	c.closeWith(websocket.StatusNormalClosure, "")
	c.enqueue([]byte("c"))
	if n := c.take(&other); n != 0 {
		t.Fatalf("take on a closing connection: %d", n)
	}
}

// A fan-out write that blocks (the client stopped reading and the frame
// exceeds the socket buffers) does not hold up the connections after it in
// its worker's chunk: they get the frame long before WriteTimeout.
func TestBlockedFanoutWriteDoesNotHoldUpItsChunk(t *testing.T) {
	h, srv := mustHub(t, Config{WriteTimeout: time.Minute})
	stuck := dialTinyReadBuffer(t, srv)
	stuck.subscribe("pins")
	// Readers after the stuck one in the (random) order of the chunk
	// would wait for the minute-long WriteTimeout without the stall rule.
	var readers []*client
	for range 7 {
		c := mustDial(t, srv, "")
		c.ws.SetReadLimit(64 << 20)
		c.subscribe("pins")
		readers = append(readers, c)
	}

	// 16 MiB: larger than the loopback send buffer (tcp_wmem max 4 MiB)
	// plus the stuck client's pinned receive buffer.
	msg := append([]byte(`{"type":"event","topic":"pins","data":{"pad":"`), bytes.Repeat([]byte("p"), 16<<20)...)
	msg = append(msg, `"}}`...)
	if err := h.Publish(context.Background(), "pins", msg); err != nil {
		t.Fatal(err)
	}
	for i, c := range readers {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, data, err := c.ws.Read(ctx)
		cancel()
		if err != nil || len(data) < 16<<20 {
			t.Fatalf("reader %d: %d bytes, %v", i, len(data), err)
		}
	}
}

// Events that come while their topic's write pass is running wait for the
// next pass, gathering in each connection's queue, and that pass writes
// them as one frame per connection. The running pass is held here by
// registering it by hand, so that its end comes when the test says.
func TestEventsDuringAPassShareOneFrame(t *testing.T) {
	h, srv := mustHub(t, Config{})
	var clients []*client
	for range 5 {
		c := mustDial(t, srv, "")
		c.subscribe("pins")
		clients = append(clients, c)
	}
	s := h.shard("pins")
	s.passMu.Lock()
	s.passes["pins"] = &passState{}
	s.passMu.Unlock()
	const events = 6
	for seq := range events {
		mustPublish(t, h, "pins", seq)
	}
	// The pass runs on: nothing is written, everything is queued.
	h.mu.Lock()
	for c := range h.conns {
		if n, _ := queued(c); n != events {
			t.Errorf("a connection has %d messages queued during the pass, want %d", n, events)
		}
	}
	h.mu.Unlock()
	if t.Failed() {
		t.FailNow()
	}
	for _, c := range clients {
		c.frames = 0
	}
	p := &writePass{s: s, topic: "pins"}
	p.left.Store(1)
	p.handedOut() // the held pass hands out its last connection
	for _, c := range clients {
		c.expectSeqs("pins", 0, events)
		if c.frames != 1 {
			t.Fatalf("%d events came in %d frames, want 1", events, c.frames)
		}
	}
	waitFor(t, "the pass to end", 5*time.Second, func() bool {
		s.passMu.Lock()
		defer s.passMu.Unlock()
		return len(s.passes) == 0
	})
	// With no pass running, an event goes out at once, alone.
	mustPublish(t, h, "pins", events)
	for _, c := range clients {
		c.frames = 0
		c.expectSeqs("pins", events, events+1)
		if c.frames != 1 {
			t.Fatalf("a paced event came in %d frames", c.frames)
		}
	}
}
