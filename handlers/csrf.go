package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// CSRF protection for everything a browser's session cookie authorises.
//
// The session cookie is SameSite=Lax and refuseCrossSite turns away
// cross-site unsafe requests by Sec-Fetch-Site and Origin, but older
// browsers send neither guarantee, so every unsafe request that could ride
// on ambient credentials also needs a token the attacker cannot read or
// make. The token is stateless (nothing is stored per page view, on any
// instance): an expiry and an HMAC, keyed by a key derived from the JWT
// secret, over that expiry and what the token is bound to — the session
// (the jti of the session cookie's token) when there is one, otherwise a
// random value in the csrf_ cookie, set only where a signed-out visitor
// meets a form (log-in and sign-up). A token taken from one session is
// worthless in another. The page forms carry it in the field _csrf; the
// scripts send it in the header X-CSRF-Token, read from
// <meta name="csrf-token">.
const (
	csrfField  = "_csrf"
	csrfHeader = "X-CSRF-Token"
	csrfCookie = "csrf_"
	// csrfTTL is how long a token stays valid; every page view issues a
	// fresh one, so a tab left open over lunch still posts.
	csrfTTL    = 12 * time.Hour
	csrfMACLen = 16
)

var csrfEncoding = base64.RawURLEncoding.Strict()

type csrfKey struct{}

// errCSRF answers an unsafe request without a valid token.
var errCSRF = store.Errorf(store.EForbidden, "The form expired or did not come from this site; reload the page and try again.")

// csrfGuard issues and checks tokens.
type csrfGuard struct {
	key    []byte
	signed *signedTokens // the session tokens' (sessionBinding)
	issuer string
	secure bool
	now    func() time.Time
}

func newCSRFGuard(cfg Config, signed *signedTokens) *csrfGuard {
	h := hmac.New(sha256.New, cfg.JWTSecret)
	h.Write([]byte("mypinterest csrf v1"))
	return &csrfGuard{key: h.Sum(nil), signed: signed, issuer: cfg.Issuer, secure: cfg.CookieSecure, now: time.Now}
}

// csrfMiddleware must run before every route that changes state. It
// checks unsafe requests and gives safe ones that show a form a token
// (see skipCSRF for what it leaves alone).
func (s *server) csrfMiddleware() fiber.Handler {
	g := s.csrf
	return func(c *fiber.Ctx) error {
		if skipCSRF(c) {
			return c.Next()
		}
		if isSafeMethod(c.Method()) {
			// Signed-out pages other than the two forms need no token:
			// without one they stay shareable (see pages_cache.go).
			if c.Cookies(sessionCookie) != "" || c.Path() == "/login" || c.Path() == "/signup" {
				c.Locals(csrfKey{}, g.issue(c))
			}
			return c.Next()
		}
		if !g.valid(c, csrfFromFormOrHeader(c)) {
			return errCSRF
		}
		return c.Next()
	}
}

// skipCSRF reports requests the middleware leaves alone: requests with a
// Bearer token (authenticate then ignores the cookie, and a browser does
// not send the header on its own, so it cannot be forged cross-site; any
// other Authorization scheme gets no such pass), the machine endpoints,
// and API requests without a session cookie (nothing ambient to abuse:
// sign-up and log-in by JSON clients, which refuseCrossSite and the JSON
// content type guard instead). Every unsafe page request is checked,
// signed in or not.
func skipCSRF(c *fiber.Ctx) bool {
	if parseBearer(c.Get(fiber.HeaderAuthorization)) != "" {
		return true
	}
	p := c.Path()
	for _, prefix := range []string{"/static/", "/media/", "/ws", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return strings.HasPrefix(p, "/api/") && c.Cookies(sessionCookie) == ""
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// issue returns a fresh token bound to the request's session, or to its
// anonymous csrf_ cookie, which it sets first when missing.
func (g *csrfGuard) issue(c *fiber.Ctx) string {
	binding := g.binding(c)
	if binding == "" {
		nonce := make([]byte, 16)
		_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
		value := hex.EncodeToString(nonce)
		c.Cookie(&fiber.Cookie{
			Name: csrfCookie, Value: value, Path: "/", MaxAge: int(csrfTTL / time.Second),
			Secure: g.secure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		})
		binding = "a:" + value
	}
	exp := make([]byte, 8)
	binary.BigEndian.PutUint64(exp, uint64(g.now().Add(csrfTTL).Unix()))
	return csrfEncoding.EncodeToString(append(exp, g.mac(exp, binding)...))
}

// valid reports whether tok has not expired and was issued for this
// request: for its session, or for its browser's csrf_ cookie (a form
// loaded before signing in, in another tab, still posts; the cookie is as
// much this browser's secret as the session).
func (g *csrfGuard) valid(c *fiber.Ctx, tok string) bool {
	raw, err := csrfEncoding.DecodeString(tok)
	if err != nil || len(raw) != 8+csrfMACLen {
		return false
	}
	exp := raw[:8]
	if int64(binary.BigEndian.Uint64(exp)) <= g.now().Unix() {
		return false
	}
	for _, b := range []string{g.sessionBinding(c), anonBinding(c)} {
		if b != "" && hmac.Equal(raw[8:], g.mac(exp, b)) {
			return true
		}
	}
	return false
}

func (g *csrfGuard) mac(exp []byte, binding string) []byte {
	h := hmac.New(sha256.New, g.key)
	h.Write(exp)
	h.Write([]byte(binding))
	return h.Sum(nil)[:csrfMACLen]
}

// binding is what a new token of this request is bound to: its session
// when it has one, else its csrf_ cookie, else "" (none yet).
func (g *csrfGuard) binding(c *fiber.Ctx) string {
	if b := g.sessionBinding(c); b != "" {
		return b
	}
	return anonBinding(c)
}

// sessionBinding is "s:<jti>" for a well-signed session cookie (expired or
// revoked alike: the request's authentication decides what it may do; a
// binding only has to be unforgeable and differ per session), else "".
func (g *csrfGuard) sessionBinding(c *fiber.Ctx) string {
	claims, ok := signedCookie(c, g.signed)
	if !ok || claims.ID == "" || claims.Issuer != g.issuer {
		return ""
	}
	return "s:" + claims.ID
}

// anonBinding is "a:<csrf_ cookie>", or "" without the cookie.
func anonBinding(c *fiber.Ctx) string {
	if v := c.Cookies(csrfCookie); v != "" {
		return "a:" + v
	}
	return ""
}

// csrfFromFormOrHeader takes the token from the _csrf field of a form
// (url-encoded or multipart) or from the X-CSRF-Token header of a script's
// request.
func csrfFromFormOrHeader(c *fiber.Ctx) string {
	if tok := c.Get(csrfHeader); tok != "" {
		return tok
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if strings.HasPrefix(ct, fiber.MIMEApplicationForm) || strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		return c.FormValue(csrfField)
	}
	return ""
}

// csrfToken is the token the middleware issued for this request ("" where
// none was needed).
func csrfToken(c *fiber.Ctx) string {
	tok, _ := c.Locals(csrfKey{}).(string)
	return tok
}
