package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Paths polled by machines (probes, scrapes) and prefixes fetched many
// times per page view (assets, images): their access lines go out at
// Debug, so that Info shows what people did.
var (
	quietPaths    = []string{"/healthz", "/readyz", "/metrics"}
	quietPrefixes = []string{"/static/", "/media/"}
)

// observe is the middleware that sees every request once it is answered:
// it writes the access log line and records the HTTP metrics. It runs
// right after requestid, so the request id exists, and before recover, so
// a panic reaches it as an error.
//
// It hands an error to the app's error handler itself instead of
// returning it: Fiber would only call that handler after every middleware
// has returned, and the status and size logged here must be the ones the
// client gets. It then returns nil, so the error is answered once.
func (s *server) observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			// What Fiber does when its error handler fails.
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	route := routeLabel(c, status, s.mounts)
	id := requestID(c)
	// requestid set the header before the chain ran; put it back if a
	// handler reset the response, since clients quote it in bug reports
	// and it is the key to the matching log lines.
	if id != "" && len(c.Response().Header.Peek(fiber.HeaderXRequestID)) == 0 {
		c.Set(fiber.HeaderXRequestID, id)
	}
	if s.metrics != nil {
		s.metrics.observe(route, c.Method(), status, elapsed)
	}
	s.logAccess(c, id, route, status, elapsed)
	return nil
}

// logAccess writes one JSON-friendly line per request. The client IP is
// c.IP(), which believes X-Forwarded-For only from TRUSTED_PROXIES.
func (s *server) logAccess(c *fiber.Ctx, id, route string, status int, elapsed time.Duration) {
	level := accessLevel(c.Path(), status)
	ctx := context.Background()
	if !s.log.Enabled(ctx, level) {
		return
	}
	// Fiber's strings alias buffers reused by the next request, and a
	// slog handler may keep a record past this call (an async or
	// buffering one), so they are copied.
	s.log.LogAttrs(ctx, level, "request",
		slog.String("request_id", strings.Clone(id)),
		slog.String("method", methodLabel(c.Method())),
		slog.String("route", route),
		// The path is kept beside the route: logs, unlike metrics, may
		// say which pin it was. The query string is left out (search
		// terms, cursors).
		slog.String("path", strings.Clone(c.Path())),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("ip", strings.Clone(c.IP())),
		slog.Int("bytes", responseBytes(c)),
	)
}

// accessLevel is Debug for the quiet paths unless the answer is a server
// error (a failing /readyz is news), Info otherwise.
func accessLevel(path string, status int) slog.Level {
	if status >= http.StatusInternalServerError {
		return slog.LevelInfo
	}
	if slices.Contains(quietPaths, path) {
		return slog.LevelDebug
	}
	for _, p := range quietPrefixes {
		if strings.HasPrefix(path, p) {
			return slog.LevelDebug
		}
	}
	return slog.LevelInfo
}

// responseBytes is the size of the response body. A streamed body (files,
// images) is not read to measure it, which would consume the stream: its
// declared Content-Length is used, or -1 when it is sent chunked.
func responseBytes(c *fiber.Ctx) int {
	res := c.Response()
	if res.IsBodyStream() {
		if n := res.Header.ContentLength(); n >= 0 {
			return n
		}
		return -1
	}
	return len(res.Body())
}
