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

// conn is one WebSocket connection. It has two goroutines of its own: the
// read goroutine (the ServeHTTP call itself) and the writer (writeLoop),
// which sends pings, the close frame and what other goroutines queue. The
// fan-out's frames are written by shared write workers (startWrites) while
// the writer is idle.
type conn struct {
	hub     *Hub
	ws      *websocket.Conn
	user    string // authenticated user id or ""; immutable
	session string // the session user was authenticated with, or ""; immutable
	ip      string // client address (Config.ClientIP); immutable

	// queue is the bounded send queue the fan-out fills without blocking
	// (at most hub.cfg.SendQueue messages, queue[head:]). It grows on demand
	// and its backing array is released whenever it drains, so an idle
	// connection holds none. The writer stops on done and the queue is
	// dropped, not flushed. wake (capacity 1) is signalled when a message
	// lands in an empty queue; the writer waits on it only after finding the
	// queue empty, so no wake-up is lost.
	//
	// writing marks that one goroutine owns the connection's frame writes:
	// the writer, or a fan-out write worker (see startWrites). Whoever
	// takes messages (take) owns the writes until release, and whoever
	// releases with messages still queued writes them or wakes the
	// writer, so the frames go out in queue order and none is left
	// behind.
	qmu     sync.Mutex
	queue   [][]byte
	head    int
	writing bool
	wake    chan struct{}

	// writeSince is when the frame write in progress began (Hub.clock),
	// 0 when none is. The hub's write watch (watchWrites) cuts a
	// connection whose write has lasted WriteTimeout, which makes the
	// stuck write return. The write itself runs under a context without a
	// deadline, so neither the hub nor coder/websocket allocates a context,
	// registers an AfterFunc or touches a timer per frame.
	writeSince atomic.Int64

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
	var user, session string
	if h.cfg.Authenticate != nil {
		// Cloned: behind the fasthttp adaptor the request's strings may
		// alias buffers that are reused once the connection ends.
		if id := h.cfg.Authenticate(r); id.UserID != "" {
			user, session = strings.Clone(id.UserID), strings.Clone(id.SessionID)
		}
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
		hub:     h,
		ws:      ws,
		user:    user,
		session: session,
		ip:      strings.Clone(h.cfg.ClientIP(r)),
		wake:    make(chan struct{}, 1),
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		topics:  make(map[string]struct{}),
	}
	switch err := h.register(c); err {
	case nil:
	case errTooManyConns:
		h.log.Info("websocket refused: too many connections from one address", "ip", c.ip)
		_ = ws.Close(StatusTooManyConnections, "too many connections from your address")
		return
	default:
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
	one := [1][]byte{msg} // stays on the stack: enqueueAll copies the elements
	return c.enqueueAll(one[:]) == 1
}

// enqueueAll is enqueue for msgs in order, under one hold of the queue's
// lock (a recovery queues a hundred events at once). It returns how many
// it queued: all of them, or fewer when the queue filled (the connection
// is then closed as a slow consumer).
func (c *conn) enqueueAll(msgs [][]byte) int {
	fit, idle := c.push(msgs)
	if idle {
		c.signal()
	}
	return fit
}

// enqueueFanout is enqueue for the fan-out: instead of waking the writer it
// reports, in kick, that msg landed in an empty queue nobody is writing,
// and the caller has the frame written (startWrites). One write worker
// then serves many connections, where waking every connection's writer
// would cost a goroutine switch per delivery.
func (c *conn) enqueueFanout(msg []byte) (queued, kick bool) {
	one := [1][]byte{msg}
	fit, idle := c.push(one[:])
	return fit == 1, idle
}

// push queues what fits of msgs. idle reports that they landed in an empty
// queue that no goroutine is writing: somebody must be told to write.
func (c *conn) push(msgs [][]byte) (fit int, idle bool) {
	if c.closing.Load() {
		return 0, false
	}
	c.qmu.Lock()
	n := len(c.queue) - c.head
	fit = min(len(msgs), max(c.hub.cfg.SendQueue-n, 0))
	if fit > 0 && len(c.queue)+fit > cap(c.queue) && c.head > 0 {
		// Reuse the popped front before growing the array.
		k := copy(c.queue, c.queue[c.head:])
		clear(c.queue[k:])
		c.queue, c.head = c.queue[:k], 0
	}
	c.queue = append(c.queue, msgs[:fit]...)
	idle = n == 0 && fit > 0 && !c.writing
	c.qmu.Unlock()
	if fit < len(msgs) {
		if c.closeWith(StatusSlowConsumer, "slow consumer") {
			c.hub.slowDisconnects.Add(1)
			c.hub.log.Info("websocket slow consumer disconnected", "user", c.user)
		}
	}
	return fit, idle
}

// signal wakes the writer, unless a wake-up is already pending.
func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take moves the next frame's messages from the queue into dst and makes
// the caller the connection's writer until it calls release: the oldest
// message and then, while the frame stays under maxBatchMessages messages
// and maxBatchBytes (counting the '\n' separators), the following ones. It
// returns how many it moved: 0 if the queue is empty, the connection is
// closing or another goroutine is writing. A queue that drains releases its
// backing array.
func (c *conn) take(dst *[maxBatchMessages][]byte) int {
	if c.closing.Load() {
		return 0
	}
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.writing {
		return 0
	}
	n := c.popLocked(dst)
	c.writing = n > 0
	return n
}

// release ends the caller's turn as writer; more reports that messages
// are queued, which the caller must write or hand to the writer (signal).
func (c *conn) release() (more bool) {
	c.qmu.Lock()
	c.writing = false
	more = len(c.queue) > c.head
	c.qmu.Unlock()
	return more
}

// pop is take without the ownership: for tests, which play the writer.
func (c *conn) pop(dst *[maxBatchMessages][]byte) int {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.popLocked(dst)
}

func (c *conn) popLocked(dst *[maxBatchMessages][]byte) int {
	q := c.queue[c.head:]
	n, size := 0, 0
	for n < len(q) && n < maxBatchMessages && (n == 0 || size < maxBatchBytes) {
		if n > 0 {
			size++
		}
		size += len(q[n])
		dst[n] = q[n]
		n++
	}
	clear(q[:n]) // do not pin messages already handed to the writer
	c.head += n
	if c.head == len(c.queue) {
		c.queue, c.head = nil, 0
	}
	return n
}

// dropQueue discards whatever is still queued (a closing connection's queue
// is dropped, not flushed).
func (c *conn) dropQueue() {
	c.qmu.Lock()
	c.queue, c.head = nil, 0
	c.qmu.Unlock()
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

// handle applies one client frame (docs/LIVE.md §Messages). Errors are answered on the
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
		if !c.hub.holdTopic(c, m.Topic) {
			c.enqueue(errorMsg(m.Topic, CodeTooManyTopics, "topic limit of your address reached"))
			return
		}
		if err := c.hub.subscribe(c, m.Topic, m.Since); err != nil {
			c.hub.releaseTopic(c, m.Topic)
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
