package hub

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timings of the Redis subscribe loop. Variables rather than constants only
// so that the package's tests can shorten them; nothing else writes them.
var (
	redisBackoffMin  = 50 * time.Millisecond
	redisBackoffMax  = 2 * time.Second
	redisHealthEvery = 15 * time.Second // idle time before the loop pings Redis
	redisCmdTimeout  = time.Second      // bound on SUBSCRIBE/UNSUBSCRIBE writes
)

// RedisBroker fans messages out between instances through Redis pub/sub,
// one Redis channel per topic.
//
// One goroutine (run) owns the receiving side: it opens a PubSub, subscribes
// every topic with local references, reads messages until the connection
// fails, then pauses with exponential backoff and starts over, so a Redis
// restart heals on its own. Subscribe and Unsubscribe only send a command on
// a reference count's 0↔1 transition, and only while a PubSub is live; a
// topic added while Redis is down is picked up by the next connection.
type RedisBroker struct {
	client *redis.Client
	log    *slog.Logger

	mu     sync.Mutex     // guards every field below; held while (un)subscribe commands are written so they apply in order
	refs   map[string]int // topic → local references; a topic is present only while > 0
	ps     *redis.PubSub  // the current session's PubSub (created and closed by run), nil between sessions
	live   bool           // ps has subscribed every referenced topic; Subscribe/Unsubscribe write to it directly
	closed bool           // Close was called: run must not open another session
	cancel context.CancelFunc
	done   chan struct{} // closed by run when it exits
}

// NewRedisBroker returns a Broker on client. The client stays the caller's:
// Close does not close it. A nil logger means slog.Default().
func NewRedisBroker(client *redis.Client, logger *slog.Logger) *RedisBroker {
	if logger == nil {
		logger = slog.Default()
	}
	return &RedisBroker{client: client, log: logger, refs: make(map[string]int)}
}

// Start implements Broker: it starts the subscribe loop.
func (b *RedisBroker) Start(deliver func(topic string, msg []byte)) {
	ctx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	b.cancel = cancel
	b.done = make(chan struct{})
	b.mu.Unlock()
	go b.run(ctx, deliver)
}

// Publish implements Broker. It fails while Redis is unreachable; the caller
// logs and counts that, the message is lost (clients re-sync over HTTP).
func (b *RedisBroker) Publish(ctx context.Context, topic string, msg []byte) error {
	return b.client.Publish(ctx, topic, msg).Err()
}

// Subscribe implements Broker.
func (b *RedisBroker) Subscribe(topic string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs[topic]++
	if b.refs[topic] == 1 && b.live {
		ctx, cancel := context.WithTimeout(context.Background(), redisCmdTimeout)
		defer cancel()
		if err := b.ps.Subscribe(ctx, topic); err != nil {
			// The receive loop notices the broken connection and
			// re-subscribes every referenced topic when it reconnects.
			b.log.Warn("redis subscribe failed", "topic", topic, "err", err)
		}
	}
	return nil
}

// Unsubscribe implements Broker.
func (b *RedisBroker) Unsubscribe(topic string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, ok := b.refs[topic]
	if !ok {
		return nil
	}
	if n > 1 {
		b.refs[topic] = n - 1
		return nil
	}
	delete(b.refs, topic)
	if b.live {
		ctx, cancel := context.WithTimeout(context.Background(), redisCmdTimeout)
		defer cancel()
		if err := b.ps.Unsubscribe(ctx, topic); err != nil {
			b.log.Warn("redis unsubscribe failed", "topic", topic, "err", err)
		}
	}
	return nil
}

// Close implements Broker: it stops the subscribe loop and waits for it.
// Closing the session's PubSub is what interrupts a blocked receive: go-redis
// reads under a deadline, not under the context.
func (b *RedisBroker) Close() error {
	b.mu.Lock()
	cancel, done := b.cancel, b.done
	b.closed = true
	if b.ps != nil {
		_ = b.ps.Close()
	}
	b.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	<-done
	return nil
}

// run is the subscribe loop; it returns when ctx is cancelled.
func (b *RedisBroker) run(ctx context.Context, deliver func(string, []byte)) {
	defer close(b.done)
	backoff := redisBackoffMin
	for {
		healthy, err := b.session(ctx, deliver)
		if ctx.Err() != nil {
			return
		}
		if healthy {
			backoff = redisBackoffMin
		}
		b.log.Warn("redis subscription lost, reconnecting", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, redisBackoffMax)
	}
}

// session runs one PubSub connection: subscribe every referenced topic,
// then receive until an error. healthy reports whether anything was received,
// so that run restarts its backoff after a connection that had worked.
func (b *RedisBroker) session(ctx context.Context, deliver func(string, []byte)) (healthy bool, err error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false, ErrBrokerClosed
	}
	ps := b.client.Subscribe(ctx)
	b.ps = ps
	topics := make([]string, 0, len(b.refs))
	for t := range b.refs {
		topics = append(topics, t)
	}
	sctx, cancel := context.WithTimeout(ctx, redisCmdTimeout)
	if len(topics) > 0 {
		err = ps.Subscribe(sctx, topics...)
	} else {
		// Nothing to subscribe: a PING proves the connection instead.
		err = ps.Ping(sctx)
	}
	cancel()
	b.live = err == nil
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.ps, b.live = nil, false
		b.mu.Unlock()
		_ = ps.Close()
	}()
	if err != nil {
		return false, err
	}
	b.log.Info("redis subscription active", "topics", len(topics))

	for {
		m, err := ps.ReceiveTimeout(ctx, redisHealthEvery)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				// Idle: check that the connection is still alive.
				if err := ps.Ping(ctx); err != nil {
					return healthy, err
				}
				continue
			}
			return healthy, err
		}
		healthy = true
		if msg, ok := m.(*redis.Message); ok {
			deliver(msg.Channel, []byte(msg.Payload))
		}
	}
}
