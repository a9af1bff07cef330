package hub

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// writeLoop is the connection's write goroutine: it sends queued frames,
// batching what has piled up, pings on a timer, and on done sends the close
// frame and returns without flushing the queue.
func (c *conn) writeLoop() {
	ping := time.NewTicker(c.hub.cfg.PingInterval)
	defer ping.Stop()
	defer c.dropQueue()
	var (
		msgs [maxBatchMessages][]byte // the messages of the current frame
		buf  []byte                   // batch buffer, owned by this goroutine
	)
	for {
		// done first: a closing connection must not keep draining its
		// queue. The ping is checked before the queue so that a queue
		// that never empties cannot starve the keepalive.
		select {
		case <-c.done:
			c.closeGracefully()
			return
		default:
		}
		select {
		case <-ping.C:
			if !c.ping() {
				return
			}
			continue
		default:
		}
		n := c.take(&msgs)
		if n == 0 {
			select {
			case <-c.done:
				c.closeGracefully()
				return
			case <-c.wake:
			case <-ping.C:
				if !c.ping() {
					return
				}
			}
			continue
		}
		err := c.writeTaken(&msgs, n, &buf)
		c.release()
		if err != nil {
			c.fail("websocket write failed", err)
			return
		}
	}
}

// writeTaken writes the n messages take moved into msgs as one frame,
// joined with '\n' in buf when there are several, and clears msgs.
func (c *conn) writeTaken(msgs *[maxBatchMessages][]byte, n int, buf *[]byte) error {
	frame := msgs[0]
	if n > 1 {
		b := append((*buf)[:0], msgs[0]...)
		for _, m := range msgs[1:n] {
			b = append(b, '\n')
			b = append(b, m...)
		}
		frame = b
		if cap(b) > 4*maxBatchBytes {
			b = nil // do not pin a buffer grown by one huge burst
		}
		*buf = b
	}
	err := c.write(frame)
	clear(msgs[:n])
	return err
}

// Fan-out write workers. deliver queues an event on every subscriber and
// collects the connections whose queue was idle; instead of waking each
// one's writer (a goroutine switch per delivery, which cost about as much
// CPU as the rest of the hub), startWrites has them written by a few
// short-lived workers, fanoutChunk connections each. A worker writes one
// frame per connection and hands any backlog to the connection's writer.
//
// A write that blocks (a client that stopped reading, its socket buffers
// full) must not hold up the others of its chunk: every fanoutStall, a
// chunk that has made no progress while connections remain gets one more
// worker, which takes the next connections. The stuck write itself is
// bounded by WriteTimeout as everywhere.
var (
	fanoutChunk = 128
	fanoutStall = 20 * time.Millisecond
)

// writeChunk is one chunk of a fan-out's connections.
type writeChunk struct {
	conns []*conn
	next  atomic.Int64 // index of the next connection to claim
	done  atomic.Int64 // connections finished
	seen  int64        // done at the last stall check; used by the timer's function only
	timer *time.Timer
}

// startWrites has a frame written on each of conns, whose queues were idle.
func startWrites(conns []*conn) {
	for len(conns) > 0 {
		k := min(len(conns), fanoutChunk)
		ch := &writeChunk{conns: conns[:k:k]}
		conns = conns[k:]
		// Armed by Reset once ch.timer is set, so that check sees it.
		ch.timer = time.AfterFunc(time.Hour, ch.check)
		ch.timer.Reset(fanoutStall)
		go ch.run()
	}
}

// run is a write worker: it claims the chunk's connections one by one.
func (ch *writeChunk) run() {
	var (
		msgs [maxBatchMessages][]byte
		buf  []byte
	)
	for {
		i := ch.next.Add(1) - 1
		if i >= int64(len(ch.conns)) {
			return
		}
		ch.conns[i].writeOnce(&msgs, &buf)
		if ch.done.Add(1) == int64(len(ch.conns)) {
			ch.timer.Stop()
		}
	}
}

// check is the chunk's stall watch (see fanoutStall).
func (ch *writeChunk) check() {
	n := int64(len(ch.conns))
	done := ch.done.Load()
	if done == n {
		return
	}
	if done == ch.seen && ch.next.Load() < n {
		go ch.run()
	}
	ch.seen = done
	ch.timer.Reset(fanoutStall)
}

// writeOnce is a write worker's turn on c: one frame, unless the writer
// (or another worker) is writing already, in which case that one will see
// the queued message. A backlog left behind is the writer's.
func (c *conn) writeOnce(msgs *[maxBatchMessages][]byte, buf *[]byte) {
	n := c.take(msgs)
	if n == 0 {
		return
	}
	err := c.writeTaken(msgs, n, buf)
	more := c.release()
	if err != nil {
		if !c.closing.Load() {
			c.fail("websocket write failed", err)
		}
		return
	}
	if more {
		c.signal()
	}
}

// write sends one frame, bounded by WriteTimeout through the hub's write
// watch. The context has no Done channel, so coder/websocket registers no
// AfterFunc for it (Conn.setupWriteTimeout returns early); if the watch
// cuts the connection, the write fails.
func (c *conn) write(frame []byte) error {
	c.writeSince.Store(c.hub.clock())
	err := c.ws.Write(context.Background(), websocket.MessageText, frame)
	c.writeSince.Store(0)
	return err
}

// clock is the time since the hub started, plus one so that it is never
// 0 (conn.writeSince's "no write").
func (h *Hub) clock() int64 { return int64(time.Since(h.start)) + 1 }

// watchWrites is the write watch: while the hub has connections, every
// WriteTimeout/8 it cuts those whose frame write has lasted WriteTimeout
// (so a stuck write ends after WriteTimeout and at most an eighth more).
// One scan of the connections replaces a timer Reset and Stop per frame.
// register starts it with the first connection; it returns once there are
// none (unregister wakes it for that).
func (h *Hub) watchWrites() {
	every := max(h.cfg.WriteTimeout/8, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	var stuck []*conn
	for {
		select {
		case <-t.C:
		case <-h.watchKick:
		}
		now := h.clock()
		h.mu.Lock()
		if len(h.conns) == 0 {
			h.watching = false
			h.mu.Unlock()
			return
		}
		for c := range h.conns {
			if since := c.writeSince.Load(); since != 0 && time.Duration(now-since) >= h.cfg.WriteTimeout {
				stuck = append(stuck, c)
			}
		}
		h.mu.Unlock()
		for i, c := range stuck {
			c.writeTimedOut()
			stuck[i] = nil
		}
		stuck = stuck[:0]
	}
}

// writeTimedOut is the write watch's cut: a frame write has not completed
// within WriteTimeout. It cuts the TCP connection, which makes the pending
// write (and the read goroutine) return.
func (c *conn) writeTimedOut() {
	c.closeWith(websocket.StatusAbnormalClosure, "")
	c.hub.log.Debug("websocket write timed out", "timeout", c.hub.cfg.WriteTimeout)
	c.cancel()
	_ = c.ws.CloseNow()
}

// ping sends a keepalive ping and waits for the pong, both within
// WriteTimeout. It reports whether the connection is still usable.
func (c *conn) ping() bool {
	ctx, cancel := context.WithTimeout(c.ctx, c.hub.cfg.WriteTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		c.fail("websocket ping failed", err)
		return false
	}
	return true
}

// closeGracefully sends the close frame chosen by closeWith and waits (within
// coder/websocket's own bounds) for the peer's answer, then makes sure the
// TCP connection is closed so that the read goroutine returns.
func (c *conn) closeGracefully() {
	if err := c.ws.Close(c.code, c.reason); err != nil {
		c.hub.log.Debug("websocket close", "code", c.code, "err", err)
	}
	c.cancel()
}

// fail handles a dead connection: mark it closing so the fan-out skips it
// and cut it without a close handshake, which could not complete.
func (c *conn) fail(msg string, err error) {
	c.closeWith(websocket.StatusAbnormalClosure, "")
	c.hub.log.Debug(msg, "err", err)
	c.cancel()
	_ = c.ws.CloseNow()
}
