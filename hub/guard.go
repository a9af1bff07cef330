package hub

import (
	"context"
	"errors"
	"sync"
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
	RedisCallTimeout = 100 * time.Millisecond
	// redisCooldown is how long an open breaker fails calls at once
	// before letting one probe through.
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
// few consecutive failures a circuit breaker (sony/gobreaker) fails calls
// at once for a second, then lets one probe through and closes again as
// soon as Redis answers. While it is open, callers fall back (local
// revocations, local rate limits) or give up (a live event is lost, as
// when Redis is down) without adding latency.
type RedisGuard struct {
	client *redis.Client
	cb     *gobreaker.CircuitBreaker[struct{}]
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

// Open reports whether the breaker is refusing calls right now.
func (g *RedisGuard) Open() bool { return g.cb.State() == gobreaker.StateOpen }

// Do runs fn with a context bounded by RedisCallTimeout unless the breaker
// is open. fn runs on its own goroutine so that the bound holds even on a
// client that ignores context deadlines (go-redis does unless
// ContextTimeoutEnabled): on timeout the caller returns and fn finishes in
// the background when the client's own timeout ends it; the breaker keeps
// such stragglers few. Errors of fn are returned as they are; a refused or
// timed-out call is ErrRedisUnavailable.
func (g *RedisGuard) Do(ctx context.Context, fn func(ctx context.Context) error) error {
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
