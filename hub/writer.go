package hub

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// writeLoop is the connection's write goroutine: it sends queued frames,
// batching what has piled up, pings on a timer, and on done sends the close
// frame and returns without flushing the queue.
func (c *conn) writeLoop() {
	ping := time.NewTicker(c.hub.cfg.PingInterval)
	defer ping.Stop()
	var buf []byte // batch buffer, owned by this goroutine
	for {
		// done first: a closing connection must not keep draining its
		// queue because select picks ready cases at random.
		select {
		case <-c.done:
			c.closeGracefully()
			return
		default:
		}
		select {
		case <-c.done:
			c.closeGracefully()
			return
		case msg := <-c.send:
			frame := msg
			if len(c.send) > 0 {
				buf = c.batch(buf[:0], msg)
				frame = buf
			}
			if err := c.write(frame); err != nil {
				c.fail("websocket write failed", err)
				return
			}
			if cap(buf) > 4*maxBatchBytes {
				buf = nil // do not pin a buffer grown by one huge burst
			}
		case <-ping.C:
			ctx, cancel := context.WithTimeout(c.ctx, c.hub.cfg.WriteTimeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.fail("websocket ping failed", err)
				return
			}
		}
	}
}

// batch appends first and then whatever else is queued, newline-separated,
// up to maxBatchMessages messages or about maxBatchBytes.
func (c *conn) batch(buf, first []byte) []byte {
	buf = append(buf, first...)
	for n := 1; n < maxBatchMessages && len(buf) < maxBatchBytes; n++ {
		select {
		case m := <-c.send:
			buf = append(buf, '\n')
			buf = append(buf, m...)
		default:
			return buf
		}
	}
	return buf
}

func (c *conn) write(frame []byte) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.hub.cfg.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, frame)
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
