// Package hub is the live layer: WebSocket connections, topic subscriptions
// and the fan-out of pre-encoded event frames, across instances through a
// Broker. It knows topics as strings and messages as []byte; it imports
// neither the store nor the handlers.
package hub

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults for the zero values of Config.
const (
	DefaultSendQueue        = 1024
	DefaultMaxSubscriptions = 64
	DefaultMaxConnsPerIP    = 32
	DefaultMaxTopicsPerIP   = 256
	DefaultReadLimit        = 4096
	DefaultPingInterval     = 25 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
)

// Config configures a Hub. Zero values take the defaults above.
type Config struct {
	// Authenticate returns who the request is: the user id (ObjectID hex)
	// and the session (the token's id) it was authenticated with, or the
	// zero Identity for an anonymous connection. Nil means every
	// connection is anonymous.
	Authenticate func(*http.Request) Identity
	// AllowedOrigins are browser origins accepted besides the request's own
	// host, as full origins ("https://example.com") or host patterns
	// ("*.example.com", matched by path.Match).
	AllowedOrigins []string
	// SendQueue is the number of frames queued per connection; a connection
	// whose queue is full is closed with StatusSlowConsumer.
	SendQueue int
	// MaxSubscriptions caps the topics of one connection.
	MaxSubscriptions int
	// MaxConnsPerIP caps the open connections of one client address on
	// this instance; one more is accepted and closed at once with
	// StatusTooManyConnections. Nginx's limit_conn caps them across
	// instances. Negative: no cap (benchmarks whose thousands of clients
	// share one loopback address).
	MaxConnsPerIP int
	// MaxTopicsPerIP caps the distinct topics the connections of one
	// client address hold together: each may cost the broker a channel
	// (Redis SUBSCRIBE), so this bounds what one client can make every
	// instance's Redis connection carry. Subscribing to a topic the
	// address already holds is free. Over it: CodeTooManyTopics.
	// Negative: no cap.
	MaxTopicsPerIP int
	// ClientIP returns the client address of an upgrade request; nil
	// means the host of r.RemoteAddr (the handlers set it to the client
	// behind trusted proxies).
	ClientIP func(r *http.Request) string
	// ReadLimit caps a client frame in bytes; a larger one closes the
	// connection with StatusMessageTooBig.
	ReadLimit int64
	// PingInterval is the keepalive period; a pong must come back within
	// WriteTimeout or the connection is dropped.
	PingInterval time.Duration
	// WriteTimeout bounds every write, ping and close frame.
	WriteTimeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Presence shares the viewer counts of pins between instances
	// (NewRedisPresence); nil counts this instance's viewers only, the
	// embedded mode. See presence.go.
	Presence PresenceStore
}

// Identity is what Config.Authenticate tells about a connection. UserID ""
// is an anonymous connection (SessionID is then ignored). SessionID names
// the session (for a JWT, its "jti") so that Disconnect can close exactly
// the connections of one log-out; "" is a session Disconnect reaches only
// through the user.
type Identity struct {
	UserID    string
	SessionID string
}

// Stats are the hub's counters since New, for /metrics.
type Stats struct {
	Connections     int64  // open WebSocket connections
	Subscriptions   int64  // (connection, topic) pairs
	Published       uint64 // Publish calls the broker accepted
	PublishErrors   uint64 // Publish calls the broker refused, plus queued events it dropped later (Redis down)
	Delivered       uint64 // frames queued to a connection by the fan-out
	Dropped         uint64 // frames not queued because the connection was full or closing
	SlowDisconnects uint64 // connections closed with StatusSlowConsumer
	SignedOut       uint64 // connections closed with StatusSignedOut (Disconnect)
}

// Hub accepts WebSocket connections (ServeHTTP), indexes them by topic and
// fans out every message its Broker delivers.
type Hub struct {
	cfg            Config
	log            *slog.Logger
	broker         Broker
	presence       *presence
	originPatterns []string
	shards         [numShards]shard

	mu      sync.Mutex                    // guards conns, users, ips and closing
	conns   map[*conn]struct{}            // every registered connection
	users   map[string]map[*conn]struct{} // registered authenticated connections by user id
	ips     map[string]*ipUsage           // what each client address holds; see MaxConnsPerIP
	closing bool                          // Shutdown has begun: no new connections
	wg      sync.WaitGroup                // one per registered connection, Done when both its goroutines are gone

	connections, subscriptions                   atomic.Int64
	published, publishErrors, delivered, dropped atomic.Uint64
	slowDisconnects, signedOut                   atomic.Uint64

	reads historyReads // see subscribeHistory

	start     time.Time     // for clock
	watching  bool          // watchWrites runs; guarded by mu
	watchKick chan struct{} // wakes watchWrites when the last connection leaves
}

const numShards = 32

// shard is one slice of the topic index. The fan-out holds mu for reading
// while it walks a topic's set; only a connection's read goroutine writes
// (subscribe, unsubscribe, disconnect).
//
// A connection's entry is nil for a subscription without history, and a
// *pending for one with history (see pending): until its switch to live
// the fan-out keeps the events there instead of queueing them.
type shard struct {
	mu     sync.RWMutex
	topics map[string]map[*conn]*pending

	passMu sync.Mutex
	passes map[string]*passState // the topics whose write pass is running (writer.go)
}

// New returns a Hub delivering what broker hands it and starts the broker.
// The hub owns the broker from now on: Shutdown closes it. Before starting
// the broker it subscribes DisconnectTopic, which it keeps for its whole
// life (a broker may record the reference and subscribe upstream once it
// runs, as RedisBroker does, so this neither waits nor fails on a Redis
// that is down).
func New(broker Broker, cfg Config) *Hub {
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = DefaultSendQueue
	}
	if cfg.MaxSubscriptions <= 0 {
		cfg.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if cfg.MaxTopicsPerIP == 0 {
		cfg.MaxTopicsPerIP = DefaultMaxTopicsPerIP
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = remoteHost
	}
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = DefaultReadLimit
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Hub{
		cfg:            cfg,
		log:            cfg.Logger,
		broker:         broker,
		originPatterns: originPatterns(cfg.AllowedOrigins),
		conns:          make(map[*conn]struct{}),
		users:          make(map[string]map[*conn]struct{}),
		ips:            make(map[string]*ipUsage),
		start:          time.Now(),
		watchKick:      make(chan struct{}, 1),
	}
	for i := range h.shards {
		h.shards[i].topics = make(map[string]map[*conn]*pending)
		h.shards[i].passes = make(map[string]*passState)
	}
	if err := broker.Subscribe(DisconnectTopic); err != nil {
		h.log.Warn("broker subscribe failed", "topic", DisconnectTopic, "err", err)
	}
	broker.Start(h.deliver)
	h.presence = newPresence(h, cfg.Presence)
	return h
}

// originPatterns turns configured origins into the host patterns
// websocket.AcceptOptions.OriginPatterns matches against the Origin's host.
func originPatterns(origins []string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		} else if o != "" {
			out = append(out, o)
		}
	}
	return out
}

// ErrNewline is returned by Publish for a message containing '\n': the
// writer joins queued messages with newlines, so one must not contain any
// (encoding/json output never does).
var ErrNewline = errors.New("hub: message contains a newline")

// Publish sends msg, a complete pre-encoded frame, to every subscriber of
// topic on every instance, through the broker. An error means nobody got it;
// callers log and count it rather than fail the request that caused it.
func (h *Hub) Publish(ctx context.Context, topic string, msg []byte) error {
	if bytes.IndexByte(msg, '\n') >= 0 {
		h.publishErrors.Add(1)
		return ErrNewline
	}
	ctx = withDropCounter(ctx, &h.publishErrors)
	var err error
	if hb, ok := h.broker.(HistoryBroker); ok && !internalTopic(topic) && isObject(msg) {
		err = hb.Append(ctx, topic, msg)
	} else {
		err = h.broker.Publish(ctx, topic, msg)
	}
	if err != nil {
		h.publishErrors.Add(1)
		return err
	}
	h.published.Add(1)
	return nil
}

// PublishVolatile is Publish without history: the event carries no offset
// or epoch, is not kept and is never recovered (for state that a newer
// event replaces, such as presence counts, which would otherwise push the
// events worth recovering out of the history).
func (h *Hub) PublishVolatile(ctx context.Context, topic string, msg []byte) error {
	if bytes.IndexByte(msg, '\n') >= 0 {
		h.publishErrors.Add(1)
		return ErrNewline
	}
	if err := h.broker.Publish(withDropCounter(ctx, &h.publishErrors), topic, msg); err != nil {
		h.publishErrors.Add(1)
		return err
	}
	h.published.Add(1)
	return nil
}

func (h *Hub) shard(topic string) *shard {
	f := fnv.New32a()
	_, _ = f.Write([]byte(topic))
	return &h.shards[f.Sum32()%numShards]
}

// deliver is the broker's callback: it queues msg, shared and never copied,
// on every local subscriber of topic. It never blocks on a connection: a
// full queue marks that connection slow and closes it, everyone else is
// unaffected. (It may wait while a subscriber switches to live delivery,
// which queues at most a recovery's events; see pending.)
func (h *Hub) deliver(topic string, msg []byte) {
	if topic == DisconnectTopic {
		h.disconnectLocal(msg)
		return
	}
	s := h.shard(topic)
	var (
		kick              []*conn
		delivered, missed uint64
	)
	s.mu.RLock()
	for c, p := range s.topics[topic] {
		if p != nil && !p.offer(c, msg) {
			continue
		}
		queued, idle := c.enqueueFanout(msg)
		if !queued {
			missed++
			continue
		}
		delivered++
		if idle {
			kick = append(kick, c)
		}
	}
	s.mu.RUnlock()
	h.delivered.Add(delivered)
	h.dropped.Add(missed)
	s.startWrites(topic, kick)
}

// subscribe takes a broker reference on topic, adds c to topic's set and
// queues the ack under the shard lock, so that no event of topic reaches c
// before its "subscribed" frame. The broker call may wait for the upstream
// subscription (Redis's confirmation); it runs on c's read goroutine with no
// hub lock held, so only c waits. With a HistoryBroker it goes on in
// subscribeHistory.
func (h *Hub) subscribe(c *conn, topic string, since *Position) error {
	if err := h.broker.Subscribe(topic); err != nil {
		return err
	}
	h.subscriptions.Add(1)
	if hb, ok := h.broker.(HistoryBroker); ok {
		h.subscribeHistory(c, hb, topic, since)
		h.presence.join(topic, c)
		return nil
	}
	s := h.shard(topic)
	s.mu.Lock()
	s.add(topic, c, nil)
	c.enqueue(ackMsg("subscribed", topic))
	s.mu.Unlock()
	h.presence.join(topic, c)
	return nil
}

func (s *shard) add(topic string, c *conn, p *pending) {
	set := s.topics[topic]
	if set == nil {
		set = make(map[*conn]*pending)
		s.topics[topic] = set
	}
	set[c] = p
}

// flush queues frames on c in order, counting them like the fan-out.
func (h *Hub) flush(c *conn, frames [][]byte) {
	n := c.enqueueAll(frames)
	h.delivered.Add(uint64(n))
	h.dropped.Add(uint64(len(frames) - n))
}

// unsubscribe removes c from topic's set and releases what it held.
func (h *Hub) unsubscribe(c *conn, topic string) {
	h.releaseTopic(c, topic)
	s := h.shard(topic)
	s.mu.Lock()
	if set := s.topics[topic]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(s.topics, topic)
		}
	}
	s.mu.Unlock()
	h.subscriptions.Add(-1)
	h.presence.leave(topic)
	if err := h.broker.Unsubscribe(topic); err != nil {
		h.log.Warn("broker unsubscribe failed", "topic", topic, "err", err)
	}
}

// Stats returns the current counters.
func (h *Hub) Stats() Stats {
	return Stats{
		Connections:     h.connections.Load(),
		Subscriptions:   h.subscriptions.Load(),
		Published:       h.published.Load(),
		PublishErrors:   h.publishErrors.Load(),
		Delivered:       h.delivered.Load(),
		Dropped:         h.dropped.Load(),
		SlowDisconnects: h.slowDisconnects.Load(),
		SignedOut:       h.signedOut.Load(),
	}
}

// register adds c unless Shutdown has begun (errShuttingDown) or c's
// address already has MaxConnsPerIP connections (errTooManyConns); the
// WaitGroup is added under the same lock Shutdown takes, so Wait never
// races an Add.
func (h *Hub) register(c *conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return errShuttingDown
	}
	ip := h.ips[c.ip]
	if ip == nil {
		ip = &ipUsage{topics: make(map[string]int)}
		h.ips[c.ip] = ip
	}
	if h.cfg.MaxConnsPerIP > 0 && ip.conns >= h.cfg.MaxConnsPerIP {
		return errTooManyConns
	}
	ip.conns++
	h.conns[c] = struct{}{}
	if c.user != "" {
		set := h.users[c.user]
		if set == nil {
			set = make(map[*conn]struct{})
			h.users[c.user] = set
		}
		set[c] = struct{}{}
	}
	h.wg.Add(1)
	h.connections.Add(1)
	if !h.watching {
		h.watching = true
		go h.watchWrites()
	}
	return nil
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	if ip := h.ips[c.ip]; ip != nil {
		if ip.conns--; ip.conns <= 0 && len(ip.topics) == 0 {
			delete(h.ips, c.ip)
		}
	}
	if set := h.users[c.user]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.users, c.user)
		}
	}
	last := len(h.conns) == 0
	h.mu.Unlock()
	if last {
		select {
		case h.watchKick <- struct{}{}:
		default:
		}
	}
	h.connections.Add(-1)
	h.wg.Done()
}

// Shutdown stops accepting connections, sends every connection a close frame
// with StatusGoingAway and waits for their goroutines. When ctx ends first,
// the remaining connections are cut without waiting for the close handshake
// and ctx's error is returned. Finally the broker is closed.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()

	for _, c := range conns {
		c.closeWith(websocket.StatusGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		for _, c := range conns {
			c.cancel() // closes the TCP connection: every goroutine on it returns
		}
		<-done
	}
	// Every connection is gone: the last presence sync takes this
	// instance's viewers out of the counts while the broker still works.
	h.presence.close(ctx)
	if cerr := h.broker.Close(); err == nil {
		err = cerr
	}
	return err
}
