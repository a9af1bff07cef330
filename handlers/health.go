package handlers

import (
	"github.com/gofiber/fiber/v2"

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

// handleReadyz reports whether this instance can do its work: the
// database answers, and Redis too when instances share it (readiness).
func (s *server) handleReadyz(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readyz: database", "err", err)
		return store.Errorf(store.EUnavailable, "The database is unreachable.")
	}
	if s.cfg.Redis != nil {
		if err := s.cfg.Redis.Ping(ctx).Err(); err != nil {
			s.log.Warn("readyz: redis", "err", err)
			return store.Errorf(store.EUnavailable, "Redis is unreachable.")
		}
	}
	return c.JSON(statusJSON{Status: "ok"})
}
