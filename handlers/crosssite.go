package handlers

import (
	"net/url"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// errCrossSite answers an unsafe request a browser sent from another site.
var errCrossSite = store.Errorf(store.EForbidden, "Cross-site request refused.")

// refuseCrossSite turns away every unsafe request that a browser sent from
// another site, unless it carries a Bearer token (which no browser adds
// on its own). This covers what the CSRF token cannot: requests that set
// the session cookie or end it (sign-up, log-in and log-out, through the
// API as well as the forms, where no session binds a token yet) and
// cookie-authenticated API calls from browsers old enough to ignore
// SameSite. A request says where it comes from by Origin (any browser's
// unsafe fetch or form post) or Sec-Fetch-Site; when it says neither it
// is no browser's cross-site request, and the other guards apply.
func (s *server) refuseCrossSite(c *fiber.Ctx) error {
	if isSafeMethod(c.Method()) || parseBearer(c.Get(fiber.HeaderAuthorization)) != "" {
		return c.Next()
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		if !s.originAllowed(c, origin) {
			return errCrossSite
		}
		return c.Next()
	}
	switch c.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return errCrossSite
	}
	return c.Next()
}

// originAllowed reports whether origin is the site's own (its host and
// port are the request's Host, which Nginx passes through unchanged) or
// one of Config.AllowedOrigins: full origins ("https://example.com") or
// host patterns ("*.example.com", matched by path.Match), as the hub
// accepts them for WebSockets.
func (s *server) originAllowed(c *fiber.Ctx, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // "null" (sandboxed frames, file: pages) included
	}
	host := strings.ToLower(u.Host)
	if host == strings.ToLower(string(c.Request().Host())) {
		return true
	}
	for _, allowed := range s.cfg.AllowedOrigins {
		if a, err := url.Parse(allowed); err == nil && a.Host != "" {
			if strings.EqualFold(a.Scheme, u.Scheme) && strings.EqualFold(a.Host, host) {
				return true
			}
			continue
		}
		if ok, _ := path.Match(strings.ToLower(allowed), host); ok {
			return true
		}
	}
	return false
}
