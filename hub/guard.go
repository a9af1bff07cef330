package hub

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// Bounds of every guarded Redis call. Variables only so that tests can
// shorten them; nothing else writes them.
var (
	// RedisCallTimeout is the longest a request waits for one Redis
	// command: a healthy Redis answers in well under a millisecond, so
	// this only ever bites when it hangs or is gone.
	RedisCallTimeout = 50 * time.Millisecond
	// redisCooldown is how long an open breaker fails calls at once
	// before a background probe tries Redis again.
	redisCooldown = time.Second
	// redisTripAfter consecutive failures open the breaker.
	redisTripAfter uint32 = 2
)

// ErrRedisUnavailable is returned by a guarded call while the breaker is
// open or when Redis did not answer within RedisCallTimeout.
var ErrRedisUnavailable = errors.New("hub: redis unavailable")

// RedisGuard bounds the time a caller spends on Redis. Each call waits at
// most RedisCallTimeout, whatever the client's own timeouts (a SIGSTOPped
// server keeps its connections open, so only a deadline notices); after a
// few consecutive failures a circuit breaker (sony/gobreaker) opens and
// fails calls at once. While it is not closed, a background probe (a
// PING, once a second) is the only thing that waits on Redis, so no
// request ever pays for a probe; the first one that answers closes it.
// Meanwhile callers fall back (local revocations, local rate limits) or
// give up (a live event is lost, as when Redis is down).
type RedisGuard struct {
	client  *redis.Client
	cb      *gobreaker.CircuitBreaker[struct{}]
	probing atomic.Bool // a probe goroutine is running
	called  atomic.Bool // Do was called since the probe last looked
}

var guards sync.Map // *redis.Client → *RedisGuard

// GuardFor returns the one guard of client. The breaker describes the
// health of one server, so everything using the client (the broker's
// publishes, the handlers' revocation checks and rate limits) shares it:
// the first component to notice an outage spares all the others the wait.
func GuardFor(client *redis.Client) *RedisGuard {
	if g, ok := guards.Load(client); ok {
		return g.(*RedisGuard)
	}
	g, _ := guards.LoadOrStore(client, newRedisGuard(client))
	return g.(*RedisGuard)
}

func newRedisGuard(client *redis.Client) *RedisGuard {
	return &RedisGuard{client: client, cb: gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "redis",
		MaxRequests: 1,
		Timeout:     redisCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= redisTripAfter },
		// redis.Nil is an answer ("no such key"), not a failure; nor is a
		// caller giving up on its own.
		IsSuccessful: func(err error) bool {
			return err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled)
		},
	})}
}

// Client is the guarded client.
func (g *RedisGuard) Client() *redis.Client { return g.client }

// Open reports whether the guard is refusing calls right now (the breaker
// is open, or half-open while its probe runs).
func (g *RedisGuard) Open() bool { return g.cb.State() != gobreaker.StateClosed }

// Do runs fn with a context bounded by RedisCallTimeout unless the guard
// is open. fn runs on its own goroutine so that the bound holds even on a
// client that ignores context deadlines (go-redis does unless
// ContextTimeoutEnabled): on timeout the caller returns and fn finishes in
// the background when the client's own timeout ends it; the breaker keeps
// such stragglers few. Errors of fn are returned as they are; a refused or
// timed-out call is ErrRedisUnavailable.
func (g *RedisGuard) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	if g.cb.State() != gobreaker.StateClosed {
		g.called.Store(true)
		g.probe()
		return ErrRedisUnavailable
	}
	return g.execute(ctx, fn)
}

func (g *RedisGuard) execute(ctx context.Context, fn func(ctx context.Context) error) error {
	_, err := g.cb.Execute(func() (struct{}, error) {
		cctx, cancel := context.WithTimeout(ctx, RedisCallTimeout)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- fn(cctx) }()
		select {
		case err := <-done:
			return struct{}{}, err
		case <-cctx.Done():
			if ctx.Err() != nil {
				return struct{}{}, ctx.Err()
			}
			return struct{}{}, ErrRedisUnavailable
		}
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return ErrRedisUnavailable
	}
	return err
}

// probe starts, unless one runs, the goroutine that PINGs Redis each
// cooldown while the breaker is not closed. It exits once the breaker
// closes, or after a cooldown in which nobody called Do (the next call
// starts it again), so an idle guard holds no goroutine.
func (g *RedisGuard) probe() {
	if !g.probing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer g.probing.Store(false)
		t := time.NewTicker(redisCooldown / 4)
		defer t.Stop()
		idle := 0
		for range t.C {
			switch g.cb.State() {
			case gobreaker.StateClosed:
				return
			case gobreaker.StateHalfOpen:
				_ = g.execute(context.Background(), func(ctx context.Context) error { return g.client.Ping(ctx).Err() })
			}
			if g.called.Swap(false) {
				idle = 0
			} else if idle++; idle > 4 {
				return
			}
		}
	}()
}

// report counts the outcome of a call made without Do: the broker's
// publisher bounds its own calls, far more generously, since nobody waits
// on them; its failures still tell the breaker about the server.
func (g *RedisGuard) report(err error) {
	if g.Open() {
		g.poke()
		return
	}
	_, _ = g.cb.Execute(func() (struct{}, error) { return struct{}{}, err })
}

// poke reports whether the guard is closed; when it is not, it keeps the
// background probe running, as a refused Do does.
func (g *RedisGuard) poke() bool {
	if !g.Open() {
		return true
	}
	g.called.Store(true)
	g.probe()
	return false
}
