package main

// `fanbench anchor` is the minimal anchor: about the least a
// coder/websocket + go-redis server must do to fan events out across
// instances. Run two of them on one Redis to compare with two product
// instances. It speaks the product's subscribe protocol (LIVE.md), so the
// same client handshake serves both, but has none of its limits, auth,
// batching or write-timeout machinery: one Redis PubSub per topic, one
// buffered channel and one writer goroutine per connection, one frame per
// message.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

// anchorQueue is each connection's send buffer, as the product's SendQueue.
const anchorQueue = 256

func runAnchor(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fanbench anchor", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	redisAddr := fs.String("redis", "127.0.0.1:6379", "Redis address")
	_ = fs.Parse(args)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	a := newAnchor(redis.NewClient(&redis.Options{Addr: *redisAddr}))
	defer a.rdb.Close()
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Println("anchor listening on", ln.Addr()) // scripts wait for this line
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type anchor struct {
	rdb    *redis.Client
	mu     sync.Mutex
	topics map[string]*anchorTopic
}

// anchorTopic is one topic's Redis subscription and local connections.
type anchorTopic struct {
	ready chan struct{} // closed once Redis confirmed SUBSCRIBE (or failed)
	err   error         // set before ready is closed
	ps    *redis.PubSub
	conns map[*anchorConn]struct{}
}

type anchorConn struct {
	ws   *websocket.Conn
	send chan []byte
}

func newAnchor(rdb *redis.Client) *anchor {
	return &anchor{rdb: rdb, topics: map[string]*anchorTopic{}}
}

func (a *anchor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ws":
		a.serveWS(w, r)
	case "/publish":
		a.servePublish(w, r)
	default:
		http.NotFound(w, r)
	}
}

// servePublish PUBLISHes the request body, as it is, on ?topic.
func (a *anchor) servePublish(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if r.Method != http.MethodPost || topic == "" || err != nil {
		http.Error(w, "POST a message to /publish?topic=T", http.StatusBadRequest)
		return
	}
	if err := a.rdb.Publish(r.Context(), topic, body).Err(); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *anchor) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c := &anchorConn{ws: ws, send: make(chan []byte, anchorQueue)}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go c.write(ctx)
	var topics []string
	defer func() {
		for _, t := range topics {
			a.leave(t, c)
		}
		_ = ws.CloseNow()
	}()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m struct{ Type, Topic string }
		if json.Unmarshal(data, &m) != nil || m.Type != "subscribe" || m.Topic == "" {
			continue
		}
		if err := a.join(ctx, m.Topic, c); err != nil {
			log.Printf("anchor: subscribe %s: %v", m.Topic, err)
			return
		}
		topics = append(topics, m.Topic)
	}
}

// write sends queued messages one frame each until the connection ends.
func (c *anchorConn) write(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case msg := <-c.send:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.ws.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				_ = c.ws.CloseNow()
				return
			}
		}
	}
}

// join adds c to topic, subscribing in Redis first if c is the topic's
// first local connection, and queues the acknowledgement before any event.
func (a *anchor) join(ctx context.Context, topic string, c *anchorConn) error {
	a.mu.Lock()
	t := a.topics[topic]
	if t == nil {
		t = &anchorTopic{ready: make(chan struct{}), conns: map[*anchorConn]struct{}{}}
		a.topics[topic] = t
		go a.subscribe(topic, t)
	}
	a.mu.Unlock()
	select {
	case <-t.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	if t.err != nil {
		return t.err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.topics[topic] != t {
		return errors.New("topic closed while joining")
	}
	t.conns[c] = struct{}{}
	c.send <- fmt.Appendf(nil, `{"type":"subscribed","topic":%q}`, topic)
	return nil
}

// subscribe subscribes topic in Redis, waits for the confirmation, then
// fans every message out until the topic's PubSub is closed.
func (a *anchor) subscribe(topic string, t *anchorTopic) {
	ps := a.rdb.Subscribe(context.Background(), topic)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_, err := ps.Receive(ctx) // the subscription confirmation
	cancel()
	t.ps, t.err = ps, err
	close(t.ready)
	if err != nil {
		a.mu.Lock()
		delete(a.topics, topic)
		a.mu.Unlock()
		_ = ps.Close()
		return
	}
	for msg := range ps.Channel(redis.WithChannelSize(1024)) {
		data := []byte(msg.Payload)
		a.mu.Lock()
		for c := range t.conns {
			select {
			case c.send <- data:
			default: // slow consumer: cut it rather than block the others
				delete(t.conns, c)
				go c.ws.Close(4008, "slow consumer")
			}
		}
		a.mu.Unlock()
	}
}

// leave removes c from topic and drops the Redis subscription with the
// topic's last local connection.
func (a *anchor) leave(topic string, c *anchorConn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.topics[topic]
	if t == nil {
		return
	}
	delete(t.conns, c)
	if len(t.conns) == 0 {
		delete(a.topics, topic)
		_ = t.ps.Close()
	}
}
