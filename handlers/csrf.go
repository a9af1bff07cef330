package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	redisstorage "github.com/gofiber/storage/redis/v3"

	"mypinterest/store"
)

// CSRF protection for everything a browser's session cookie authorises.
//
// The session cookie is SameSite=Lax and authenticate refuses cross-site
// unsafe requests by Sec-Fetch-Site, but older browsers send neither
// guarantee, so every unsafe request that could ride on ambient
// credentials also needs a token the attacker cannot read: Fiber's csrf
// middleware (double submit: a cookie plus the same value in the form
// field _csrf or the X-CSRF-Token header, checked against server-side
// storage). The page forms carry it in a hidden field; the scripts send it
// in the header, read from <meta name="csrf-token">.
const (
	csrfField  = "_csrf"
	csrfHeader = "X-CSRF-Token"
	csrfCookie = "csrf_"
	// csrfTTL is how long a token stays valid without any page view; each
	// view extends it, so a tab left open over lunch still posts.
	csrfTTL = 12 * time.Hour
)

type csrfKey struct{}

// csrfMiddleware must run before every route that changes state. It
// checks unsafe requests and hands safe ones a token (cookie plus the
// value for the templates).
//
// Skipped: requests with an Authorization header (a Bearer token is not
// sent by browsers on their own, so it cannot be forged cross-site), API
// requests without a session cookie (nothing ambient to abuse: sign-up
// and log-in by JSON clients), the machine endpoints, and signed-out page
// views other than the log-in and sign-up forms (see skipCSRF). Every
// unsafe page request is checked, signed in or not.
func (s *server) csrfMiddleware() fiber.Handler {
	cfg := csrf.Config{
		Next:           skipCSRF,
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieSecure:   s.cfg.CookieSecure,
		CookieHTTPOnly: true, // scripts read the token from the page instead
		CookieSameSite: fiber.CookieSameSiteLaxMode,
		Expiration:     csrfTTL,
		ContextKey:     csrfKey{},
		Extractor:      csrfFromFormOrHeader,
		ErrorHandler: func(*fiber.Ctx, error) error {
			return store.Errorf(store.EForbidden, "The form expired or did not come from this site; reload the page and try again.")
		},
	}
	if s.cfg.Redis != nil {
		// Tokens must be known to every instance behind the proxy. The
		// storage borrows cmd's client and never closes or resets it.
		cfg.Storage = redisstorage.NewFromConnection(s.cfg.Redis)
	}
	return csrf.New(cfg)
}

// skipCSRF reports requests the middleware leaves alone (see
// csrfMiddleware).
func skipCSRF(c *fiber.Ctx) bool {
	if c.Get(fiber.HeaderAuthorization) != "" {
		return true
	}
	p := c.Path()
	for _, prefix := range []string{"/static/", "/media/", "/ws", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	signedOut := c.Cookies(sessionCookie) == ""
	if strings.HasPrefix(p, "/api/") {
		return signedOut
	}
	// A signed-out visitor's pages hold no form except log-in and sign-up,
	// so other safe requests need no token; minting one for every
	// cookie-less crawler hit would fill the token storage for nothing.
	safe := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
	return safe && signedOut && p != "/login" && p != "/signup"
}

// csrfFromFormOrHeader takes the token from the _csrf field of a form
// (url-encoded or multipart) or from the X-CSRF-Token header of a script's
// request.
func csrfFromFormOrHeader(c *fiber.Ctx) (string, error) {
	if tok := c.Get(csrfHeader); tok != "" {
		return tok, nil
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if strings.HasPrefix(ct, fiber.MIMEApplicationForm) || strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		if tok := c.FormValue(csrfField); tok != "" {
			return tok, nil
		}
	}
	return "", csrf.ErrTokenNotFound
}

// csrfToken is the token the middleware chose for this request ("" where
// it was skipped).
func csrfToken(c *fiber.Ctx) string {
	tok, _ := c.Locals(csrfKey{}).(string)
	return tok
}
