package handlers

import (
	"net"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	redisstorage "github.com/gofiber/storage/redis/v3"

	"mypinterest/store"
)

// authLimiter caps sign-up and log-in attempts per client IP and minute:
// one budget for both, through the API or the pages, so that alternating
// them gains nothing. With Redis the counters are shared, so the cap holds
// across instances rather than per instance. It returns nil when the limit
// is off. Every call returns the same handler (its in-memory counters are
// the budget).
func (s *server) authLimiter() fiber.Handler {
	s.limiterOnce.Do(func() { s.limiter = s.newAuthLimiter() })
	return s.limiter
}

func (s *server) newAuthLimiter() fiber.Handler {
	if s.cfg.AuthRateLimit <= 0 {
		return nil
	}
	cfg := limiter.Config{
		Max:          s.cfg.AuthRateLimit,
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return "mypinterest:ratelimit:auth:" + clientIP(c) },
		LimitReached: func(*fiber.Ctx) error {
			return store.Errorf(store.ERateLimited, "Too many attempts; try again in a minute.")
		},
	}
	if s.cfg.Redis != nil {
		// The storage borrows the app's client; it is never Reset (that
		// would FLUSHDB) nor Closed here (cmd owns the client).
		cfg.Storage = redisstorage.NewFromConnection(s.cfg.Redis)
	}
	return limiter.New(cfg)
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
