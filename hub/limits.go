package hub

import (
	"errors"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// StatusTooManyConnections is the close code of a connection refused
// because its client address already holds Config.MaxConnsPerIP
// connections on this instance. The client should close some (other tabs)
// or wait before reconnecting; reconnecting at once will be refused again.
// It is in the private range 4000–4999, next to StatusSignedOut and
// StatusSlowConsumer, and echoes HTTP 429.
const StatusTooManyConnections websocket.StatusCode = 4029

// CodeTooManyTopics answers a subscribe that would take the client
// address over Config.MaxTopicsPerIP distinct topics; the connection stays
// open.
const CodeTooManyTopics = "too_many_topics"

var (
	errShuttingDown = errors.New("hub: shutting down")
	errTooManyConns = errors.New("hub: too many connections from one address")
)

// ipUsage is what one client address holds on this instance: its
// connections, and each topic its connections subscribed with the number
// of them that did. Guarded by Hub.mu.
type ipUsage struct {
	conns  int
	topics map[string]int
}

// remoteHost is the default Config.ClientIP: the host of r.RemoteAddr.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// holdTopic records that c subscribes topic for its address, unless that
// would take the address over MaxTopicsPerIP distinct topics.
func (h *Hub) holdTopic(c *conn, topic string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ip := h.ips[c.ip]
	if ip == nil {
		return false // not registered: cannot happen while its read loop runs
	}
	if ip.topics[topic] == 0 && h.cfg.MaxTopicsPerIP > 0 && len(ip.topics) >= h.cfg.MaxTopicsPerIP {
		return false
	}
	ip.topics[topic]++
	return true
}

// releaseTopic undoes one holdTopic.
func (h *Hub) releaseTopic(c *conn, topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ip := h.ips[c.ip]
	if ip == nil {
		return
	}
	if n := ip.topics[topic]; n > 1 {
		ip.topics[topic] = n - 1
	} else {
		delete(ip.topics, topic)
	}
	if ip.conns <= 0 && len(ip.topics) == 0 {
		delete(h.ips, c.ip)
	}
}
