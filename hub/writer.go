package hub

import (
	"context"
	"errors"
	"time"

	"github.com/coder/websocket"
)

// errWriteTimeout is logged when writeTimer cut a connection mid-write.
var errWriteTimeout = errors.New("write timed out")

// writeLoop is the connection's write goroutine: it sends queued frames,
// batching what has piled up, pings on a timer, and on done sends the close
// frame and returns without flushing the queue.
func (c *conn) writeLoop() {
	ping := time.NewTicker(c.hub.cfg.PingInterval)
	defer ping.Stop()
	defer c.writeTimer.Stop()
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
		n := c.pop(&msgs)
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
		frame := msgs[0]
		if n > 1 {
			buf = append(buf[:0], msgs[0]...)
			for _, m := range msgs[1:n] {
				buf = append(buf, '\n')
				buf = append(buf, m...)
			}
			frame = buf
		}
		err := c.write(frame)
		clear(msgs[:n])
		if err != nil {
			c.fail("websocket write failed", err)
			return
		}
		if cap(buf) > 4*maxBatchBytes {
			buf = nil // do not pin a buffer grown by one huge burst
		}
	}
}

// write sends one frame, bounded by WriteTimeout through writeTimer. The
// context has no Done channel, so coder/websocket registers no AfterFunc
// for it (Conn.setupWriteTimeout returns early); if the timer fires, the
// connection is closed underneath the write, which then fails.
func (c *conn) write(frame []byte) error {
	c.writeTimer.Reset(c.hub.cfg.WriteTimeout)
	err := c.ws.Write(context.Background(), websocket.MessageText, frame)
	if !c.writeTimer.Stop() && err == nil {
		// The timer fired as the write completed: the connection is
		// being cut anyway.
		err = errWriteTimeout
	}
	return err
}

// writeTimedOut is writeTimer's function: a frame write has not completed
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
