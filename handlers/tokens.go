package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"mypinterest/hub"
	"mypinterest/store"
)

// tokens issues and verifies the session JWTs. A token names the user in
// "sub" and carries a random "jti" so that logging out can revoke exactly
// that token until it would have expired anyway.
type tokens struct {
	secret  []byte
	signed  *signedTokens
	issuer  string
	ttl     time.Duration
	revoked revoker
	now     func() time.Time
	claims  *jwt.Validator // issuer and expiry, made once (check runs on every request)
}

func newTokens(secret []byte, issuer string, ttl time.Duration, revoked revoker) *tokens {
	t := &tokens{secret: secret, signed: newSignedTokens(secret), issuer: issuer, ttl: ttl, revoked: revoked, now: time.Now}
	t.claims = jwt.NewValidator(jwt.WithIssuer(issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return t.now() }))
	return t
}

// session is what a verified token tells: whose it is, and which token
// it was (for log-out).
type session struct {
	UserID  string
	JTI     string
	Expires time.Time
}

// issue signs a new token for userID.
func (t *tokens) issue(userID string) (string, error) {
	jti, err := randomID()
	if err != nil {
		return "", err
	}
	now := t.now()
	claims := jwt.RegisteredClaims{
		Issuer:    t.issuer,
		Subject:   userID,
		ID:        jti,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return signed, nil
}

// verify checks the signature (HS256 only: pinning the algorithm is what
// stops "alg":"none" and key-confusion tokens), the issuer, the expiry and
// revocation. Every failure of the token itself is EUnauthorized; only a
// revocation store that cannot answer is something else.
func (t *tokens) verify(ctx context.Context, raw string) (session, error) {
	claims, err := t.signed.parse(raw)
	if err != nil {
		return session{}, errSignedOut
	}
	return t.check(ctx, claims)
}

// check is verify after the signature: the claims of a token signed with
// our key (signedTokens) are validated and looked up in the revocations.
func (t *tokens) check(ctx context.Context, claims jwt.RegisteredClaims) (session, error) {
	if err := t.claims.Validate(claims); err != nil || claims.Subject == "" || claims.ID == "" {
		return session{}, errSignedOut
	}
	revoked, err := t.revoked.IsRevoked(ctx, claims.ID)
	if err != nil {
		return session{}, store.Errorf(store.EUnavailable, "Sessions cannot be checked right now.")
	}
	if revoked {
		return session{}, errSignedOut
	}
	return session{UserID: claims.Subject, JTI: claims.ID, Expires: claims.ExpiresAt.Time}, nil
}

// signedCookie is the request's session cookie parsed once: the CSRF
// guard binds its tokens to it and authenticate verifies it, and each
// parse is an HMAC and a JSON decode (5–11 % of a signed-in page's CPU
// when both did it). ok is false without a cookie or for a bad signature.
func signedCookie(c *fiber.Ctx, signed *signedTokens) (claims jwt.RegisteredClaims, ok bool) {
	if p, done := c.Locals(signedCookieKey{}).(*parsedCookie); done {
		return p.claims, p.ok
	}
	p := &parsedCookie{}
	if raw := c.Cookies(sessionCookie); raw != "" {
		var err error
		p.claims, err = signed.parse(raw)
		p.ok = err == nil
	}
	c.Locals(signedCookieKey{}, p)
	return p.claims, p.ok
}

type (
	signedCookieKey struct{}
	parsedCookie    struct {
		claims jwt.RegisteredClaims
		ok     bool
	}
)

// revoke makes the token of s fail from now until its own expiry.
func (t *tokens) revoke(ctx context.Context, s session) error {
	ttl := s.Expires.Sub(t.now())
	if ttl <= 0 {
		return nil
	}
	return t.revoked.Revoke(ctx, s.JTI, ttl)
}

var errSignedOut = store.Errorf(store.EUnauthorized, "Please sign in.")

func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// revoker remembers revoked token ids until the tokens expire.
type revoker interface {
	Revoke(ctx context.Context, jti string, ttl time.Duration) error
	IsRevoked(ctx context.Context, jti string) (bool, error)
}

// memoryRevoker serves a single instance. Expired entries are pruned on
// writes, at most once a minute, so no goroutine is needed to own it.
type memoryRevoker struct {
	mu        sync.Mutex
	until     map[string]time.Time
	lastPrune time.Time
	now       func() time.Time
}

func newMemoryRevoker(now func() time.Time) *memoryRevoker {
	return &memoryRevoker{until: make(map[string]time.Time), now: now}
}

// Revoke implements revoker.
func (m *memoryRevoker) Revoke(_ context.Context, jti string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.lastPrune) > time.Minute {
		for k, exp := range m.until {
			if !now.Before(exp) {
				delete(m.until, k)
			}
		}
		m.lastPrune = now
	}
	m.until[jti] = now.Add(ttl)
	return nil
}

// IsRevoked implements revoker.
func (m *memoryRevoker) IsRevoked(_ context.Context, jti string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.until[jti]
	return ok && m.now().Before(exp), nil
}

// storedRevoker serves the single-instance mode: checks read memory only
// (they run on every signed-in request), and each revocation is also
// written to the database so that a restart does not bring logged-out
// tokens back; newStoredRevoker loads them at start-up.
type storedRevoker struct {
	mem   *memoryRevoker
	store store.Store
}

func newStoredRevoker(ctx context.Context, s store.Store) (*storedRevoker, error) {
	mem := newMemoryRevoker(time.Now)
	saved, err := s.RevokedTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("handlers: load revoked tokens: %w", err)
	}
	mem.until = saved
	return &storedRevoker{mem: mem, store: s}, nil
}

// Revoke implements revoker.
func (r *storedRevoker) Revoke(ctx context.Context, jti string, ttl time.Duration) error {
	if err := r.store.RevokeToken(ctx, jti, time.Now().Add(ttl)); err != nil {
		return err
	}
	return r.mem.Revoke(ctx, jti, ttl)
}

// IsRevoked implements revoker.
func (r *storedRevoker) IsRevoked(ctx context.Context, jti string) (bool, error) {
	return r.mem.IsRevoked(ctx, jti)
}

// redisRevoker shares revocations between instances: a key per token id
// that Redis expires together with the token. It also remembers, in
// local, every revocation Redis has accepted through this instance.
//
// While Redis is unreachable (every call goes through the client's
// hub.RedisGuard, so that is noticed within hub.RedisCallTimeout and then
// at once), a check falls back to local instead of failing: signed-in
// users keep working through a Redis outage, at the price that a token
// revoked on another instance is accepted here until Redis is back. A
// log-out during the outage is refused (503) and marks nothing locally, so
// its retry tries Redis again: nobody is told a session ended that other
// instances still accept.
type redisRevoker struct {
	guard *hub.RedisGuard
	local *memoryRevoker
	log   *slog.Logger
}

const revokedKeyPrefix = "mypinterest:revoked:"

// Revoke implements revoker: Redis first, and local only once Redis has it.
func (r redisRevoker) Revoke(ctx context.Context, jti string, ttl time.Duration) error {
	err := r.guard.Do(ctx, func(ctx context.Context) error {
		return r.guard.Client().Set(ctx, revokedKeyPrefix+jti, 1, ttl).Err()
	})
	if err != nil {
		return err
	}
	return r.local.Revoke(ctx, jti, ttl)
}

// IsRevoked implements revoker.
func (r redisRevoker) IsRevoked(ctx context.Context, jti string) (bool, error) {
	if revoked, _ := r.local.IsRevoked(ctx, jti); revoked {
		return true, nil
	}
	var n int64
	err := r.guard.Do(ctx, func(ctx context.Context) error {
		var err error
		n, err = r.guard.Client().Exists(ctx, revokedKeyPrefix+jti).Result()
		return err
	})
	if err != nil {
		r.log.Debug("token revocations unreachable; accepting tokens not revoked here", "err", err)
		return false, nil
	}
	return n > 0, nil
}
