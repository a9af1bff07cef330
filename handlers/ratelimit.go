package handlers

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"mypinterest/hub"
	"mypinterest/store"
)

// authLimiter caps the attempts at a password per client IP and minute:
// sign-up, log-in and account deletion share one budget, through the API
// or the pages, so that alternating them gains nothing. Account deletion
// also counts against the account (see deleteLimiter). It returns nil when
// the limit is off. Every call returns the same handler (its counters are
// the budget).
func (s *server) authLimiter() fiber.Handler {
	s.limiterOnce.Do(func() { s.rates = s.newRateLimiter() })
	if s.cfg.AuthRateLimit <= 0 {
		return nil
	}
	return func(c *fiber.Ctx) error {
		return s.limit(c, "auth:ip:"+clientIP(c))
	}
}

// deleteLimiter guards the password check of account deletion: the IP's
// auth budget, and the same budget per account, so that a stolen session
// cannot guess the password from many addresses. It runs after
// authenticate. nil when the limit is off.
func (s *server) deleteLimiter() fiber.Handler {
	if s.authLimiter() == nil {
		return nil
	}
	return func(c *fiber.Ctx) error {
		keys := []string{"auth:ip:" + clientIP(c)}
		if u := auth(c).user; u != nil {
			keys = append(keys, "auth:user:"+u.ID.Hex())
		}
		return s.limit(c, keys...)
	}
}

// limit counts one attempt against every key and refuses the request when
// any of them is over the budget.
func (s *server) limit(c *fiber.Ctx, keys ...string) error {
	over := false
	for _, k := range keys {
		if n := s.rates.hit(c.UserContext(), k); n > int64(s.cfg.AuthRateLimit) {
			over = true
		}
	}
	if over {
		c.Set(fiber.HeaderRetryAfter, "60")
		return store.Errorf(store.ERateLimited, "Too many attempts; try again in a minute.")
	}
	return c.Next()
}

// rateWindow is the period of every budget.
const rateWindow = time.Minute

func (s *server) newRateLimiter() *rateCounter {
	rc := &rateCounter{local: newLocalCounter(rateWindow), log: s.log}
	if s.redis != nil {
		rc.guard = hub.GuardFor(s.redis)
	}
	return rc
}

// rateCounter counts hits per key and fixed window. With Redis the count
// is shared by every instance and atomic: INCR and the expiry run as one
// script, so concurrent first hits on two instances cannot both start the
// window, and a key can never be left without an expiry. While Redis is
// unreachable (its guard fails at once) each instance counts locally, so
// the limit still holds per instance.
type rateCounter struct {
	guard *hub.RedisGuard // nil: single instance
	local *localCounter
	log   *slog.Logger
}

const rateKeyPrefix = "mypinterest:ratelimit:"

// incrWindow increments KEYS[1] and starts its window on the first hit.
var incrWindow = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// hit counts one hit on key and returns the count in the current window.
func (r *rateCounter) hit(ctx context.Context, key string) int64 {
	if r.guard != nil {
		var n int64
		err := r.guard.Do(ctx, func(ctx context.Context) error {
			var err error
			n, err = incrWindow.Run(ctx, r.guard.Client(), []string{rateKeyPrefix + key}, rateWindow.Milliseconds()).Int64()
			return err
		})
		if err == nil {
			return n
		}
		r.log.Debug("rate limits unreachable; counting locally", "err", err)
	}
	return r.local.hit(key)
}

// localCounter is the in-memory fixed-window counter. Expired windows are
// pruned on writes, at most once per window, so it needs no goroutine.
type localCounter struct {
	mu        sync.Mutex
	window    time.Duration
	counts    map[string]*localWindow
	lastPrune time.Time
	now       func() time.Time
}

type localWindow struct {
	n     int64
	reset time.Time
}

func newLocalCounter(window time.Duration) *localCounter {
	return &localCounter{window: window, counts: make(map[string]*localWindow), now: time.Now}
}

func (l *localCounter) hit(key string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastPrune) > l.window {
		for k, w := range l.counts {
			if !now.Before(w.reset) {
				delete(l.counts, k)
			}
		}
		l.lastPrune = now
	}
	w := l.counts[key]
	if w == nil || !now.Before(w.reset) {
		w = &localWindow{reset: now.Add(l.window)}
		l.counts[key] = w
	}
	w.n++
	return w.n
}

// clientIP is the address rate limits key on. Behind trusted proxies it
// walks X-Forwarded-For from the right and returns the first address that
// is not a trusted proxy: the leftmost entries are whatever the client
// chose to send, the rightmost were appended by our own proxies.
func clientIP(c *fiber.Ctx) string {
	remote := c.Context().RemoteIP().String()
	trusted := c.App().Config().TrustedProxies
	if len(trusted) == 0 || !c.IsProxyTrusted() {
		return remote
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if net.ParseIP(hop) == nil {
			// Garbage cannot be a client address; stop rather than let a
			// client mint fresh keys with invented strings.
			break
		}
		if !isTrustedProxy(trusted, hop) {
			return hop
		}
	}
	return remote
}

// isTrustedProxy reports whether ip is one of proxies (IPs or CIDRs).
func isTrustedProxy(proxies []string, ip string) bool {
	addr := net.ParseIP(ip)
	for _, p := range proxies {
		if strings.Contains(p, "/") {
			if _, n, err := net.ParseCIDR(p); err == nil && n.Contains(addr) {
				return true
			}
			continue
		}
		if pa := net.ParseIP(p); pa != nil && pa.Equal(addr) {
			return true
		}
	}
	return false
}
