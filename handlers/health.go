package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"mypinterest/store"
)

type statusJSON struct {
	Status string `json:"status"`
}

// handleHealthz answers as long as the process serves requests (liveness):
// it checks nothing else, so that a database outage does not get every
// instance restarted.
func (s *server) handleHealthz(c *fiber.Ctx) error {
	return c.JSON(statusJSON{Status: "ok"})
}

// readyTimeout bounds each check of /readyz: a load balancer's probe must
// get its answer, whatever the state of the dependencies.
const readyTimeout = 1500 * time.Millisecond

// handleReadyz reports whether this instance can do its work: the
// database answers, and Redis too when instances share it (readiness).
// Each check is bounded by readyTimeout, so the answer comes within about
// 2 s even when a dependency hangs.
func (s *server) handleReadyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readyz: database", "err", err)
		return store.Errorf(store.EUnavailable, "The database is unreachable.")
	}
	if s.redis != nil {
		// Not through the guard: readiness must see Redis itself, not the
		// breaker's memory of it.
		rctx, cancel := context.WithTimeout(context.Background(), readyTimeout/3)
		defer cancel()
		if err := pingWithin(rctx, s.redis); err != nil {
			s.log.Warn("readyz: redis", "err", err)
			return store.Errorf(store.EUnavailable, "Redis is unreachable.")
		}
	}
	return c.JSON(statusJSON{Status: "ok"})
}

// pingWithin PINGs rdb and gives up when ctx ends, even on a client that
// ignores context deadlines (go-redis does unless ContextTimeoutEnabled).
func pingWithin(ctx context.Context, rdb *redis.Client) error {
	done := make(chan error, 1)
	go func() { done <- rdb.Ping(ctx).Err() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
