package hub

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// StatusSlowConsumer is the close code of a connection whose send queue
// overflowed: the client could not keep up and is expected to reconnect and
// re-sync over HTTP. It is in the private range 4000–4999 (centrifuge's
// DisconnectSlow is 3008), distinct from StatusPolicyViolation so clients
// and logs can tell the cases apart.
const StatusSlowConsumer websocket.StatusCode = 4008

// Limits of one batched frame: when several messages are queued, the writer
// joins them with '\n' into one frame of at most maxBatchMessages messages;
// it stops adding once the frame reaches maxBatchBytes (so a frame exceeds
// it by at most one message).
const (
	maxBatchMessages = 16
	maxBatchBytes    = 64 << 10
)

// conn is one WebSocket connection. It has exactly two goroutines: the read
// goroutine (the ServeHTTP call itself) and the write goroutine (writeLoop).
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	user string // authenticated user id or ""; immutable

	// send is the bounded queue the fan-out fills without blocking. It is
	// never closed, since the fan-out may race a disconnect; the writer
	// stops on done instead and the queue is dropped, not flushed.
	send chan []byte

	// ctx is the context of every read and write on ws. cancel is the hard
	// close: coder/websocket closes the TCP connection when the context of a
	// pending read or write ends.
	ctx    context.Context
	cancel context.CancelFunc

	closeOnce sync.Once
	closing   atomic.Bool   // set by closeWith; the fan-out skips closing connections
	done      chan struct{} // closed by closeWith; tells the writer to send the close frame and exit
	code      websocket.StatusCode
	reason    string // code and reason are written before done is closed and read by the writer after

	topics map[string]struct{} // owned by the read goroutine
}

// ServeHTTP is the /ws endpoint. A browser Origin that is neither the
// request's host nor one of Config.AllowedOrigins is refused with 403 by
// websocket.Accept; a request without Origin is a non-browser client and is
// allowed.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	closing := h.closing
	h.mu.Unlock()
	if closing {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	var user string
	if h.cfg.Authenticate != nil {
		// Cloned: behind the fasthttp adaptor the request's strings may
		// alias buffers that are reused once the connection ends.
		user = strings.Clone(h.cfg.Authenticate(r))
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.originPatterns})
	if err != nil {
		h.log.Debug("websocket accept refused", "err", err, "origin", r.Header.Get("Origin"))
		return
	}
	ws.SetReadLimit(h.cfg.ReadLimit)
	// Not r.Context(): it must not be used once the connection is hijacked.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &conn{
		hub:    h,
		ws:     ws,
		user:   user,
		send:   make(chan []byte, h.cfg.SendQueue),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
		topics: make(map[string]struct{}),
	}
	if !h.register(c) {
		_ = ws.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer h.unregister(c)

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	c.readLoop()
	<-writerDone
}

// closeWith starts a graceful close with code; only the first call counts
// and it reports whether it was the first. It never blocks, so the fan-out
// may call it under the shard lock.
func (c *conn) closeWith(code websocket.StatusCode, reason string) bool {
	first := false
	c.closeOnce.Do(func() {
		c.code, c.reason = code, reason
		c.closing.Store(true)
		close(c.done)
		first = true
	})
	return first
}

// enqueue queues msg without blocking. A full queue closes the connection
// as a slow consumer; false means msg was not queued.
func (c *conn) enqueue(msg []byte) bool {
	if c.closing.Load() {
		return false
	}
	select {
	case c.send <- msg:
		return true
	default:
		if c.closeWith(StatusSlowConsumer, "slow consumer") {
			c.hub.slowDisconnects.Add(1)
			c.hub.log.Info("websocket slow consumer disconnected", "user", c.user)
		}
		return false
	}
}

// readLoop reads client frames until the connection fails or closes, then
// releases the connection's subscriptions and wakes the writer.
func (c *conn) readLoop() {
	defer func() {
		for t := range c.topics {
			c.hub.unsubscribe(c, t)
		}
		clear(c.topics)
		c.closeWith(websocket.StatusNormalClosure, "")
	}()
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			c.hub.log.Debug("websocket read ended", "err", err)
			return
		}
		c.handle(data)
	}
}

// handle applies one client frame (SPEC §5). Errors are answered on the
// connection, which stays open.
func (c *conn) handle(data []byte) {
	var m clientMsg
	if err := json.Unmarshal(data, &m); err != nil {
		c.enqueue(errorMsg("", CodeBadRequest, "malformed JSON"))
		return
	}
	switch m.Type {
	case "subscribe":
		if _, ok := c.topics[m.Topic]; ok {
			c.enqueue(ackMsg("subscribed", m.Topic))
			return
		}
		if code := checkTopic(m.Topic, c.user); code != "" {
			c.enqueue(errorMsg(m.Topic, code, topicErrorText[code]))
			return
		}
		if len(c.topics) >= c.hub.cfg.MaxSubscriptions {
			c.enqueue(errorMsg(m.Topic, CodeTooManySubscriptions, "subscription limit reached"))
			return
		}
		if err := c.hub.subscribe(c, m.Topic); err != nil {
			c.hub.log.Warn("broker subscribe failed", "topic", m.Topic, "err", err)
			c.enqueue(errorMsg(m.Topic, CodeUnavailable, "live updates unavailable"))
			return
		}
		c.topics[m.Topic] = struct{}{}
	case "unsubscribe":
		if _, ok := c.topics[m.Topic]; ok {
			delete(c.topics, m.Topic)
			c.hub.unsubscribe(c, m.Topic)
		}
		c.enqueue(ackMsg("unsubscribed", m.Topic))
	default:
		c.enqueue(errorMsg(m.Topic, CodeBadRequest, "unknown message type"))
	}
}

var topicErrorText = map[string]string{
	CodeBadTopic:  "unknown topic",
	CodeForbidden: "not your topic",
}
