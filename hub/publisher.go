package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPublishQueue is the RedisBroker's publish queue bound when
// PublishQueue is zero: a few seconds of a heavy event rate.
const DefaultPublishQueue = 16384

// Timings of the publisher. Variables only so that tests can shorten them.
var (
	// publishBatchTimeout bounds one pipeline round trip. It is generous
	// on purpose: a loaded Redis that answers in 200 ms delays events, it
	// must not lose them (the guard's 50 ms bound is for requests that
	// wait; nobody waits here). go-redis applies it only with
	// ContextTimeoutEnabled; otherwise its ReadTimeout (3 s) does.
	publishBatchTimeout = 2 * time.Second
	// publishRetryFor is how long a failing batch is retried, in order,
	// before its events are dropped and Redis is taken as down.
	publishRetryFor  = 5 * time.Second
	publishBackoff   = 20 * time.Millisecond
	publishMaxBatch  = 1024
	publishDownPoll  = 100 * time.Millisecond
	publishCloseWait = 5 * time.Second
	// publishWaitPoll is how often a waiting publish looks at the guard.
	publishWaitPoll = 10 * time.Millisecond
)

// ErrPublishQueueFull is returned by RedisBroker.Publish and Append when
// the publish queue holds PublishQueue events: Redis is slower than the
// event rate, and the event is dropped rather than buffered without bound.
var ErrPublishQueueFull = errors.New("hub: publish queue full")

// PublishWait is the longest Append waits for its event to reach Redis
// (see awaitSent): one try of a batch, publishBatchTimeout. Past it the
// batch is retried, and events published meanwhile through other
// instances may take lower offsets. A variable only so that tests can
// change it.
var PublishWait = 2 * time.Second

// dropCounterKey carries, in a Publish context, the counter an event that
// is dropped after it was queued adds to (Hub.Publish passes its
// publishErrors), so late drops show in the same metric as refusals.
type dropCounterKey struct{}

func withDropCounter(ctx context.Context, n *atomic.Uint64) context.Context {
	return context.WithValue(ctx, dropCounterKey{}, n)
}

type pubItem struct {
	topic string
	msg   []byte
	seq   uint64         // 0: a plain PUBLISH; else the append's sequence number
	drops *atomic.Uint64 // nil: nobody counts this one
	done  chan struct{}  // appends only: closed once sent or dropped
}

// publisher sends a RedisBroker's publishes and appends in call order.
// Callers only queue (bounded); one goroutine drains the queue, sending
// everything waiting in one pipeline per round trip, so the batches grow
// with the load (write coalescing) and the order is the queue's. A failed
// batch is retried from its first unconfirmed command, in order, for
// publishRetryFor. A retried append is idempotent: each carries the
// broker's id and a sequence number, and the append script skips one whose
// number is not above the last it applied for that broker on that topic,
// so a batch that timed out but ran, or a go-redis retry, is applied once.
// A plain PUBLISH (invalidations, presence) may be repeated by a retry;
// both are idempotent for their receivers.
//
// When Redis is down (its address refuses connections, or a batch failed
// for publishRetryFor), the queue is dropped and new events are refused at
// once, counted, until the guard's breaker is closed and a PING answers.
type publisher struct {
	client *redis.Client
	log    *slog.Logger
	field  string // "p:<random broker id>": the history hash field of the last applied seq

	mu      sync.Mutex
	q       []pubItem
	seq     uint64 // last append sequence number given
	queued  uint64 // items ever queued
	started bool
	closed  bool
	wake    chan struct{} // capacity 1
	done    chan struct{} // closed when run returns

	settled  atomic.Uint64 // items sent or dropped, in queue order
	down     atomic.Bool   // refuse new items: Redis is down
	retrying atomic.Bool   // the last try of a batch failed: appends do not wait (awaitSent)
	abort    atomic.Bool   // Close gave up waiting: drop instead of retrying
	dropped  atomic.Uint64
}

func newPublisher(client *redis.Client, log *slog.Logger) *publisher {
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &publisher{client: client, log: log, field: "p:" + hex.EncodeToString(id[:]),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// enqueue queues an event, an append when isAppend, unless size events
// wait already (0: DefaultPublishQueue). It never waits.
func (p *publisher) enqueue(ctx context.Context, topic string, msg []byte, isAppend bool, size int) error {
	_, err := p.enqueueItem(ctx, topic, msg, isAppend, size)
	return err
}

// enqueueItem is enqueue returning, for an append, the channel closed once
// it is sent or dropped.
func (p *publisher) enqueueItem(ctx context.Context, topic string, msg []byte, isAppend bool, size int) (chan struct{}, error) {
	if size <= 0 {
		size = DefaultPublishQueue
	}
	drops, _ := ctx.Value(dropCounterKey{}).(*atomic.Uint64)
	p.mu.Lock()
	switch {
	case p.closed:
		p.mu.Unlock()
		return nil, ErrBrokerClosed
	case p.down.Load():
		p.mu.Unlock()
		p.dropped.Add(1)
		return nil, ErrRedisUnavailable
	case len(p.q) >= size:
		p.mu.Unlock()
		p.dropped.Add(1)
		return nil, ErrPublishQueueFull
	}
	it := pubItem{topic: topic, msg: msg, drops: drops}
	if isAppend {
		p.seq++
		it.seq = p.seq
		it.done = make(chan struct{})
	}
	p.q = append(p.q, it)
	p.queued++
	if !p.started {
		p.started = true
		go p.run()
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return it.done, nil
}

// run is the one goroutine that talks to Redis for the publisher.
func (p *publisher) run() {
	defer close(p.done)
	for {
		p.mu.Lock()
		for len(p.q) == 0 && !p.closed {
			p.mu.Unlock()
			<-p.wake
			p.mu.Lock()
		}
		if len(p.q) == 0 {
			p.mu.Unlock()
			return
		}
		n := min(len(p.q), publishMaxBatch)
		batch := p.q[:n:n]
		if p.q = p.q[n:]; len(p.q) == 0 {
			p.q = nil
		}
		p.mu.Unlock()
		p.send(batch)
		if p.down.Load() {
			p.waitUp()
		}
	}
}

// send delivers batch or drops it; it returns with every item settled.
func (p *publisher) send(batch []pubItem) {
	g := GuardFor(p.client)
	start := time.Now()
	backoff := publishBackoff
	for len(batch) > 0 {
		n, err := p.exec(batch)
		p.settled.Add(uint64(n))
		settle(batch[:n])
		batch = batch[n:]
		if err == nil {
			g.report(nil)
			p.retrying.Store(false)
			return
		}
		var rerr redis.Error
		if errors.As(err, &rerr) {
			if !transientRedisError(err) {
				// Redis refused this one command (nothing will
				// change its mind): drop it, go on with the rest.
				p.log.Warn("redis publish refused", "topic", batch[0].topic, "err", err)
				p.drop(batch[:1])
				batch = batch[1:]
				continue
			}
			// A NOSCRIPT (a fresh or restarted Redis) costs one more
			// round trip: no reason to stop waiting.
			p.retrying.Store(!redis.HasErrorPrefix(err, "NOSCRIPT"))
		} else {
			// A server's answer is no sign of ill health; this is.
			g.report(err)
			p.retrying.Store(true)
		}
		// Nobody listening on Redis's address is down; anything else
		// (a lost reply, a timeout) is retried for publishRetryFor. The
		// guard's breaker alone is no proof: the requests' 50 ms bound
		// opens it when Redis is merely slow.
		if p.nobodyListening() || time.Since(start) >= publishRetryFor || p.abort.Load() {
			p.log.Warn("redis unavailable, dropping events", "err", err)
			p.goDown(batch)
			return
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, 500*time.Millisecond)
	}
}

// nobodyListening reports whether a TCP connection to Redis's address is
// refused: go-redis retries a refused dial until the batch times out,
// which tells a stopped Redis from a slow one no better than a timeout.
func (p *publisher) nobodyListening() bool {
	opt := p.client.Options()
	if opt.Network != "tcp" {
		return false
	}
	c, err := net.DialTimeout("tcp", opt.Addr, 250*time.Millisecond)
	if err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	_ = c.Close()
	return false
}

// transientRedisError: a server error that a retry may not see again.
func transientRedisError(err error) bool {
	for _, p := range []string{"NOSCRIPT", "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "OOM"} {
		if redis.HasErrorPrefix(err, p) {
			return true
		}
	}
	return false
}

// exec sends batch in one pipeline and reports how many of its first
// commands are confirmed, and the first error.
func (p *publisher) exec(batch []pubItem) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), publishBatchTimeout)
	defer cancel()
	pipe := p.client.Pipeline()
	cmds := make([]redis.Cmder, len(batch))
	for i, it := range batch {
		if it.seq == 0 {
			cmds[i] = pipe.Publish(ctx, it.topic, it.msg)
		} else {
			cmds[i] = appendScript.EvalSha(ctx, pipe, historyKeys(it.topic), p.appendArgs(it)...)
		}
	}
	_, err := pipe.Exec(ctx)
	if err == nil {
		return len(batch), nil
	}
	n := 0
	for n < len(cmds) && cmds[n].Err() == nil {
		n++
	}
	if n < len(cmds) {
		err = cmds[n].Err()
	}
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis forgot the script (it restarted): load it for the retry.
		if lerr := appendScript.Load(ctx, p.client).Err(); lerr != nil {
			err = lerr
		}
	}
	return n, err
}

func (p *publisher) appendArgs(it pubItem) []any {
	return append(appendArgs(it.topic, it.msg), p.field, it.seq)
}

// goDown drops rest and everything queued and refuses new items until
// Redis is back.
func (p *publisher) goDown(rest []pubItem) {
	p.mu.Lock()
	p.down.Store(true)
	q := p.q
	p.q = nil
	p.mu.Unlock()
	p.drop(rest)
	p.drop(q)
}

func (p *publisher) drop(items []pubItem) {
	for _, it := range items {
		if it.drops != nil {
			it.drops.Add(1)
		}
	}
	p.dropped.Add(uint64(len(items)))
	p.settled.Add(uint64(len(items)))
	settle(items)
}

func settle(items []pubItem) {
	for _, it := range items {
		if it.done != nil {
			close(it.done)
		}
	}
}

// awaitSent waits until done is closed: until the event is in Redis, with
// its offset, or dropped. So a request is answered after its event took
// its place in the topic's order, and two writes answered one after the
// other, on any instances, publish in that order (docs/LIVE.md §Delivery's commit order: the
// burst of docs/FANOUT.md, whose publishers alternate instances, saw 4 %
// of its events overtaken while this wait ended after 100 ms). The wait is
// bounded by PublishWait, one try of a batch, and does not start, or ends,
// while the guard's breaker is open or the publisher retries a failed
// batch: a hung Redis must not cost requests more than the guard's bound
// (handlers' TestRedisHangAddsLittleLatency). That keeps the order at risk
// when the breaker opens on a Redis that is merely slow.
func (p *publisher) awaitSent(ctx context.Context, done chan struct{}) {
	g := GuardFor(p.client)
	if done == nil || p.retrying.Load() || g.Open() {
		return
	}
	t := time.NewTimer(PublishWait)
	defer t.Stop()
	poll := time.NewTicker(publishWaitPoll)
	defer poll.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			return
		case <-ctx.Done():
			return
		case <-poll.C:
			if p.retrying.Load() || g.Open() {
				return
			}
		}
	}
}

// waitUp waits, while down, until the guard is closed and Redis answers
// a PING; new items are refused meanwhile.
func (p *publisher) waitUp() {
	g := GuardFor(p.client)
	for !p.abort.Load() && !p.isClosed() {
		if g.poke() && p.ping() {
			break
		}
		time.Sleep(publishDownPoll)
	}
	p.mu.Lock()
	p.down.Store(false)
	p.mu.Unlock()
	p.log.Info("redis back, publishing again")
}

func (p *publisher) ping() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return p.client.Ping(ctx).Err() == nil
}

func (p *publisher) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// flush waits until every item queued before the call is sent or dropped.
func (p *publisher) flush(ctx context.Context) error {
	p.mu.Lock()
	target := p.queued
	p.mu.Unlock()
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for p.settled.Load() < target {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// close refuses new items and waits up to wait for the queue to drain;
// past it, what is left is dropped.
func (p *publisher) close(wait time.Duration) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	started := p.started
	p.mu.Unlock()
	if !started {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.abort.Store(true)
		p.log.Warn("redis publish queue not drained at close")
	}
}
