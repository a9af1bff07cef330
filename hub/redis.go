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

// DefaultSubscribeTimeout is how long RedisBroker.Subscribe waits for Redis
// to confirm a new topic's SUBSCRIBE when SubscribeTimeout is zero. It spans
// a few reconnect backoffs (at most 2 s each), so a Redis blip shorter than
// that delays the "subscribed" ack instead of failing it.
const DefaultSubscribeTimeout = 5 * time.Second

// ErrSubscribeUnconfirmed is returned by RedisBroker.Subscribe when Redis did
// not confirm the subscription in time (it is down, or too slow); the
// reference has been dropped and the caller may retry.
var ErrSubscribeUnconfirmed = errors.New("hub: redis did not confirm the subscription")

// RedisBroker fans messages out between instances through Redis pub/sub,
// one Redis channel per topic.
//
// One goroutine (run) owns the receiving side: it opens a PubSub, subscribes
// every topic with local references, reads messages until the connection
// fails, then pauses with exponential backoff and starts over, so a Redis
// restart heals on its own. Subscribe and Unsubscribe only send a command on
// a reference count's 0↔1 transition, and only while a PubSub is live; a
// topic added while Redis is down is picked up by the next connection.
//
// Subscribe returns only once Redis has confirmed the topic's SUBSCRIBE in
// the current session: Redis delivers a PUBLISH only to connections whose
// SUBSCRIBE it has already processed, so acknowledging a client earlier
// would let an event published right after the ack miss it.
type RedisBroker struct {
	// SubscribeTimeout bounds Subscribe's wait for Redis's confirmation;
	// zero means DefaultSubscribeTimeout. Set it before Start.
	SubscribeTimeout time.Duration
	// PublishQueue bounds the events waiting to be sent to Redis; zero
	// means DefaultPublishQueue. Set it before the first publish.
	PublishQueue int

	client *redis.Client
	log    *slog.Logger
	stop   chan struct{} // closed by Close: wakes Subscribe calls still waiting

	mu      sync.Mutex             // guards every field below; held while (un)subscribe commands are written so they apply in order
	topics  map[string]*topicState // topics with local references; a topic is present only while refs > 0
	pending map[string]int         // SUBSCRIBEs written in this session whose confirmation has not arrived yet
	ps      *redis.PubSub          // the current session's PubSub (created and closed by run), nil between sessions
	live    bool                   // ps has subscribed every referenced topic; Subscribe/Unsubscribe write to it directly
	started bool                   // Start was called: a session will confirm referenced topics
	closed  bool                   // Close was called: run must not open another session
	cancel  context.CancelFunc
	done    chan struct{} // closed by run when it exits

	pub *publisher // sends Publish, Append and PublishLater, in order
}

// topicState is one referenced topic. confirmed is closed when Redis
// confirms the topic's SUBSCRIBE; a session that ends replaces a closed
// channel with a fresh one, so that new subscribers wait for the next
// session's confirmation, while an unclosed one is kept for the waiters
// that already hold it.
type topicState struct {
	refs      int
	confirmed chan struct{}
	ok        bool // confirmed is closed
}

// NewRedisBroker returns a Broker on client. The client stays the caller's:
// Close does not close it. A nil logger means slog.Default().
func NewRedisBroker(client *redis.Client, logger *slog.Logger) *RedisBroker {
	if logger == nil {
		logger = slog.Default()
	}
	return &RedisBroker{
		client:  client,
		log:     logger,
		stop:    make(chan struct{}),
		topics:  make(map[string]*topicState),
		pending: make(map[string]int),
		pub:     newPublisher(client, logger),
	}
}

// Start implements Broker: it starts the subscribe loop.
func (b *RedisBroker) Start(deliver func(topic string, msg []byte)) {
	ctx, cancel := context.WithCancel(context.Background())
	b.mu.Lock()
	b.cancel = cancel
	b.done = make(chan struct{})
	b.started = true
	b.mu.Unlock()
	go b.run(ctx, deliver)
}

// Publish implements Broker. It queues msg for the broker's publisher
// (see publisher) and returns without waiting for Redis: an error means the
// message was refused at once (ErrPublishQueueFull, or ErrRedisUnavailable
// while Redis is down); a message dropped later, after retries, is counted
// by the counter Hub.Publish puts in ctx, and clients re-sync over HTTP.
func (b *RedisBroker) Publish(ctx context.Context, topic string, msg []byte) error {
	return b.pub.enqueue(ctx, topic, msg, false, b.PublishQueue)
}

// Flush waits until every message published before the call has been sent
// to Redis or dropped, or ctx ends.
func (b *RedisBroker) Flush(ctx context.Context) error { return b.pub.flush(ctx) }

// Subscribe implements Broker. It adds a reference to topic and, once the
// broker has started, waits until Redis has confirmed the topic's
// subscription in the current session: at once for a topic that is already
// confirmed, otherwise up to SubscribeTimeout (spanning reconnects). On
// timeout it drops the reference again and returns ErrSubscribeUnconfirmed.
//
// Before Start there is no session and nobody to acknowledge; the reference
// is recorded and the first session subscribes it (this is how an instance
// subscribes its internal topics while it starts, even with Redis down).
func (b *RedisBroker) Subscribe(topic string) error {
	b.mu.Lock()
	st := b.topics[topic]
	if st == nil {
		st = &topicState{confirmed: make(chan struct{})}
		b.topics[topic] = st
		if b.live {
			ctx, cancel := context.WithTimeout(context.Background(), redisCmdTimeout)
			err := b.ps.Subscribe(ctx, topic)
			cancel()
			b.pending[topic]++
			if err != nil {
				// The receive loop notices the broken connection and
				// re-subscribes every referenced topic when it
				// reconnects; the wait below covers that.
				b.log.Warn("redis subscribe failed", "topic", topic, "err", err)
			}
		}
	}
	st.refs++
	confirmed, started := st.confirmed, b.started
	b.mu.Unlock()
	if !started {
		return nil
	}

	timeout := b.SubscribeTimeout
	if timeout <= 0 {
		timeout = DefaultSubscribeTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-confirmed:
		return nil
	case <-t.C:
		b.release(topic)
		return ErrSubscribeUnconfirmed
	case <-b.stop:
		b.release(topic)
		return ErrBrokerClosed
	}
}

// Unsubscribe implements Broker.
func (b *RedisBroker) Unsubscribe(topic string) error {
	b.release(topic)
	return nil
}

// release drops one reference to topic and unsubscribes it upstream when it
// was the last.
func (b *RedisBroker) release(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.topics[topic]
	if st == nil {
		return
	}
	if st.refs > 1 {
		st.refs--
		return
	}
	delete(b.topics, topic)
	if b.live {
		ctx, cancel := context.WithTimeout(context.Background(), redisCmdTimeout)
		defer cancel()
		if err := b.ps.Unsubscribe(ctx, topic); err != nil {
			b.log.Warn("redis unsubscribe failed", "topic", topic, "err", err)
		}
	}
}

// confirm handles Redis's confirmation of a SUBSCRIBE to topic. Only the
// confirmation of the last SUBSCRIBE written counts: after SUBSCRIBE,
// UNSUBSCRIBE, SUBSCRIBE of one topic, the first confirmation arrives while
// the channel is about to be dropped and re-added.
func (b *RedisBroker) confirm(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.pending[topic]; n > 1 {
		b.pending[topic] = n - 1
		return
	}
	delete(b.pending, topic)
	if st := b.topics[topic]; st != nil && !st.ok {
		st.ok = true
		close(st.confirmed)
	}
}

// Close implements Broker: it stops the subscribe loop and waits for it.
// Closing the session's PubSub is what interrupts a blocked receive: go-redis
// reads under a deadline, not under the context.
func (b *RedisBroker) Close() error {
	// The queue drains first, while the subscribe loop still delivers.
	b.pub.close(publishCloseWait)
	b.mu.Lock()
	cancel, done := b.cancel, b.done
	if !b.closed {
		close(b.stop)
	}
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
	topics := make([]string, 0, len(b.topics))
	for t := range b.topics {
		topics = append(topics, t)
	}
	clear(b.pending)
	sctx, cancel := context.WithTimeout(ctx, redisCmdTimeout)
	if len(topics) > 0 {
		err = ps.Subscribe(sctx, topics...)
		for _, t := range topics {
			b.pending[t] = 1
		}
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
		// What this session confirmed is not subscribed in the next
		// one until Redis says so again.
		for _, st := range b.topics {
			if st.ok {
				st.ok, st.confirmed = false, make(chan struct{})
			}
		}
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
		switch m := m.(type) {
		case *redis.Message:
			deliver(m.Channel, []byte(m.Payload))
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				b.confirm(m.Channel)
			}
		}
	}
}
