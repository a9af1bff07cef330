package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/hub"
	"mypinterest/store"
)

// Sessions verifies session tokens outside the Fiber app; its
// Authenticate method is the hub's hook for WebSocket upgrades. Build one
// with NewSessions and pass it both to the hub and to New (Deps.Sessions),
// so that a log-out revoked in this instance's memory is seen by both.
type Sessions struct {
	tokens *tokens
	store  store.Store
}

// NewSessions returns the session verifier for the Config and Deps that
// New is given: the store holding the users and, when set, Redis (for
// revocations) and the logger.
func NewSessions(cfg Config, deps Deps) (*Sessions, error) {
	s := deps.Store
	if s == nil {
		return nil, errors.New("handlers: a store is required")
	}
	if len(cfg.JWTSecret) < 32 {
		return nil, errors.New("handlers: JWTSecret must be at least 32 bytes")
	}
	cfg = withDefaults(cfg)
	var rv revoker
	if deps.Redis != nil {
		rv = redisRevoker{guard: hub.GuardFor(deps.Redis), local: newMemoryRevoker(time.Now), log: loggerOf(deps)}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stored, err := newStoredRevoker(ctx, s)
		if err != nil {
			return nil, err
		}
		rv = stored
	}
	t := newTokens(cfg.JWTSecret, cfg.Issuer, cfg.TokenTTL, rv)
	return &Sessions{tokens: t, store: s}, nil
}

// sessionCheckTimeout bounds the token and user checks of an upgrade.
const sessionCheckTimeout = 5 * time.Second

// Authenticate returns the user id (ObjectID hex) and the session id (the
// token's jti) of the valid, unrevoked token that comes with r, as a
// Bearer header or the session cookie, or the zero Identity for anyone
// else: such connections are anonymous. The session id is what a log-out
// passes to the hub's Disconnect (see Disconnecter).
func (ss *Sessions) Authenticate(r *http.Request) hub.Identity {
	raw := parseBearer(r.Header.Get("Authorization"))
	if c, err := r.Cookie(sessionCookie); raw == "" && err == nil {
		raw = c.Value
	}
	if raw == "" {
		return hub.Identity{}
	}
	ctx, cancel := context.WithTimeout(r.Context(), sessionCheckTimeout)
	defer cancel()
	sess, err := ss.tokens.verify(ctx, raw)
	if err != nil {
		return hub.Identity{}
	}
	id, err := bson.ObjectIDFromHex(sess.UserID)
	if err != nil {
		return hub.Identity{}
	}
	// A deleted account's tokens are still well signed; the user lookup
	// (cached) is what refuses them.
	if _, err := ss.store.FindUserByID(ctx, id); err != nil {
		return hub.Identity{}
	}
	return hub.Identity{UserID: id.Hex(), SessionID: sess.JTI}
}

// parseBearer returns the token of an "Authorization: Bearer" header value.
func parseBearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
