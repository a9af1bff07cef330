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
// CPU as the rest of the hub), a write pass has them written by a few
// short-lived workers, fanoutChunk connections each. A worker writes one
// frame per connection.
//
// One pass per topic at a time: while a topic's pass is running, the
// connections that a later event of that topic lands on, and those a
// worker leaves with messages still queued, wait for the next pass, which
// starts when the running one has handed out its last connection. Their
// queues gather the events meanwhile, so when events come faster than a
// pass ends each connection gets them as one batched frame (up to
// maxBatchMessages) rather than a frame and a write per event; paced
// events, whose pass ends before the next one comes, go out at once as
// before. A connection left with messages once its topic has no pass
// running is handed to its own writer.
//
// A write that blocks (a client that stopped reading, its socket buffers
// full) must not hold up the others of its chunk: every fanoutStall, a
// chunk that has made no progress while connections remain gets one more
// worker, which takes the next connections. The stuck write itself is
// bounded by WriteTimeout as everywhere; it does not hold up the next
// pass either, which skips a connection still being written.
var (
	fanoutChunk = 128
	fanoutStall = 20 * time.Millisecond
)

// writePass is one pass over a topic's connections.
type writePass struct {
	s     *shard
	topic string
	left  atomic.Int64 // connections not handed out yet
}

// passState is a topic's pass in progress (shard.passes): next gathers
// the connections of the pass after it.
type passState struct {
	next []*conn
}

// startWrites has a frame written on each of conns, whose queues were
// idle, by topic's pass: a new one, or the next one if a pass is running.
func (s *shard) startWrites(topic string, conns []*conn) {
	if len(conns) == 0 {
		return
	}
	s.passMu.Lock()
	if st, ok := s.passes[topic]; ok {
		st.next = append(st.next, conns...)
		s.passMu.Unlock()
		return
	}
	s.passes[topic] = &passState{}
	s.passMu.Unlock()
	s.runPass(topic, conns)
}

// runPass starts the workers of a pass over conns.
func (s *shard) runPass(topic string, conns []*conn) {
	p := &writePass{s: s, topic: topic}
	p.left.Store(int64(len(conns)))
	for len(conns) > 0 {
		k := min(len(conns), fanoutChunk)
		ch := &writeChunk{conns: conns[:k:k], pass: p}
		conns = conns[k:]
		// Armed by Reset once ch.timer is set, so that check sees it.
		ch.timer = time.AfterFunc(time.Hour, ch.check)
		ch.timer.Reset(fanoutStall)
		go ch.run()
	}
}

// handedOut counts a connection of p given to a worker; after the last
// one the next pass starts, with what gathered meanwhile.
func (p *writePass) handedOut() {
	if p.left.Add(-1) != 0 {
		return
	}
	s := p.s
	s.passMu.Lock()
	st := s.passes[p.topic]
	next := st.next
	st.next = nil
	if len(next) == 0 {
		delete(s.passes, p.topic)
	}
	s.passMu.Unlock()
	if len(next) > 0 {
		s.runPass(p.topic, next)
	}
}

// again has c, left with messages by a worker of p, written by the
// topic's next pass, or by its writer when no pass is running.
func (p *writePass) again(c *conn) {
	s := p.s
	s.passMu.Lock()
	if st, ok := s.passes[p.topic]; ok {
		st.next = append(st.next, c)
		s.passMu.Unlock()
		return
	}
	s.passMu.Unlock()
	c.signal()
}

// writeChunk is one chunk of a pass's connections.
type writeChunk struct {
	conns []*conn
	pass  *writePass
	next  atomic.Int64 // index of the next connection to claim
	done  atomic.Int64 // connections finished
	seen  int64        // done at the last stall check; used by the timer's function only
	timer *time.Timer
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
		c := ch.conns[i]
		ch.pass.handedOut()
		if c.writeOnce(&msgs, &buf) {
			ch.pass.again(c)
		}
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
// the queued message. more reports a backlog left behind, which the
// caller must have written.
func (c *conn) writeOnce(msgs *[maxBatchMessages][]byte, buf *[]byte) (more bool) {
	n := c.take(msgs)
	if n == 0 {
		return false
	}
	err := c.writeTaken(msgs, n, buf)
	more = c.release()
	if err != nil {
		if !c.closing.Load() {
			c.fail("websocket write failed", err)
		}
		return false
	}
	return more
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
