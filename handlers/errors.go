package handlers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"mypinterest/hub"
	"mypinterest/store"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	store.EMalformed:    http.StatusBadRequest,
	store.EUnauthorized: http.StatusUnauthorized,
	store.EForbidden:    http.StatusForbidden,
	store.ENotFound:     http.StatusNotFound,
	store.EConflict:     http.StatusConflict,
	store.ETooLarge:     http.StatusRequestEntityTooLarge,
	store.EUnsupported:  http.StatusUnsupportedMediaType,
	store.EInvalid:      http.StatusUnprocessableEntity,
	store.ERateLimited:  http.StatusTooManyRequests,
	store.EUnavailable:  http.StatusServiceUnavailable,
	store.EInternal:     http.StatusInternalServerError,
}

// codeOfStatus turns the statuses Fiber itself produces (unknown route,
// body over the limit, bad method…) into codes, so that they leave in the
// same envelope as everything else.
func codeOfStatus(status int) string {
	switch {
	case status == http.StatusNotFound, status == http.StatusMethodNotAllowed:
		return store.ENotFound
	case status == http.StatusRequestEntityTooLarge:
		return store.ETooLarge
	case status == http.StatusUnsupportedMediaType:
		return store.EUnsupported
	case status == http.StatusTooManyRequests:
		return store.ERateLimited
	case status == http.StatusUnauthorized:
		return store.EUnauthorized
	case status == http.StatusForbidden:
		return store.EForbidden
	case status == http.StatusServiceUnavailable:
		return store.EUnavailable
	case status >= 400 && status < 500:
		return store.EMalformed
	}
	return store.EInternal
}

// messageOfCode is shown for errors that arrive without a message fit for
// users (Fiber's own say "Cannot GET /x").
var messageOfCode = map[string]string{
	store.EMalformed:    "Malformed request.",
	store.EUnauthorized: "Please sign in.",
	store.EForbidden:    "This is not yours.",
	store.ENotFound:     "Not found.",
	store.ETooLarge:     "The request is too large.",
	store.EUnsupported:  "Unsupported media type.",
	store.ERateLimited:  "Too many attempts; try again in a minute.",
	store.EUnavailable:  "Service unavailable.",
	store.EInternal:     "Internal error.",
}

// errorBody is the envelope of every API error.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// pageErrorFunc renders an error for a non-API path (an HTML page).
type pageErrorFunc func(c *fiber.Ctx, status int, e *store.Error) error

// classify turns any error into a user-facing *store.Error and a status.
// Internal errors are logged with the request id and replaced by a bland
// message, so that no driver detail reaches a client.
func (s *server) classify(c *fiber.Ctx, err error) (*store.Error, int) {
	var se *store.Error
	if errors.As(err, &se) {
		status, ok := statusOf[se.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		if status < http.StatusInternalServerError {
			return se, status
		}
		if status == http.StatusServiceUnavailable {
			s.log.Warn("unavailable", "request_id", requestID(c), "path", c.Path(), "err", err)
			return se, status
		}
	}
	if dependencyDown(err) {
		s.log.Warn("unavailable", "request_id", requestID(c), "path", c.Path(), "err", err)
		return &store.Error{Code: store.EUnavailable, Message: "The service is briefly unavailable; try again."}, http.StatusServiceUnavailable
	}
	var fe *fiber.Error
	if errors.As(err, &fe) && fe.Code < http.StatusInternalServerError {
		code := codeOfStatus(fe.Code)
		status := statusOf[code]
		if code == store.EMalformed {
			status = fe.Code // 400, but also 408, 431…: more precise
		}
		return &store.Error{Code: code, Message: messageOfCode[code]}, status
	}
	s.log.Error("internal error", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "err", err)
	return &store.Error{Code: store.EInternal, Message: messageOfCode[store.EInternal]}, http.StatusInternalServerError
}

// dependencyDown reports whether err says a dependency (the database,
// Redis) could not be reached or did not answer in time, rather than that
// something is wrong with the request or the code: such failures are a
// 503, which clients and Nginx retry, not a 500.
func dependencyDown(err error) bool {
	var netErr net.Error
	var selErr topology.ServerSelectionError
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, hub.ErrRedisUnavailable) ||
		errors.Is(err, mongo.ErrClientDisconnected) || errors.Is(err, topology.ErrTopologyClosed) ||
		errors.As(err, &selErr) ||
		mongo.IsNetworkError(err) || mongo.IsTimeout(err) ||
		errors.As(err, &netErr)
}

// handleError is the app's Fiber ErrorHandler: JSON envelopes for the API,
// the machine endpoints and every error raised before routing, pages for
// everything else once a page renderer is installed.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	e, status := s.classify(c, err)
	if status == http.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfterUnavailable)
	}
	if c.Locals(preRoutingKey{}) != nil {
		return writeError(c, status, e)
	}
	if s.pageError != nil && !isJSONPath(c.Path()) {
		return s.pageError(c, status, e)
	}
	return writeError(c, status, e)
}

// retryAfterUnavailable is the Retry-After of every 503, in seconds:
// dependencies recover, and uploads queue, on that scale.
const retryAfterUnavailable = "2"

// writeError writes the JSON error envelope.
func writeError(c *fiber.Ctx, status int, e *store.Error) error {
	msg := e.Message
	if msg == "" {
		msg = messageOfCode[e.Code]
	}
	return c.Status(status).JSON(errorBody{Error: errorJSON{Code: e.Code, Message: msg, Fields: apiFields(e.Fields)}})
}

// isJSONPath reports whether path belongs to a machine client, which gets
// errors as JSON rather than as an HTML page.
func isJSONPath(path string) bool {
	for _, p := range []string{"/api/", "/media/", "/ws", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return path == "/api"
}
