package handlers

import (
	"crypto/subtle"

	"github.com/gofiber/fiber/v2"
)

// contentSecurityPolicy allows nothing inline (no script, no style
// attribute: the templates carry none) and nothing from elsewhere: every
// script, style, font and image is the site's own, uploads preview from
// blob: URLs, the live layer is the same origin's /ws, forms post only
// here and no page can be framed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// permissionsPolicy turns off the powerful features the product never
// uses, for the pages and anything that might end up in one.
const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"

// securityHeaders sets the headers that make a browser refuse what the
// app never does (framing, sniffing, inline scripts, leaking full URLs to
// other sites) on every response, so that they hold without Nginx too.
// Nginx sends the first three itself and hides the app's copies, so each
// reaches the browser once, with the same value.
func securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderPermissionsPolicy, permissionsPolicy)
	return c.Next()
}

// metricsGate decides who may scrape /metrics on the main port: nobody
// unless Config.PublicMetrics (a private network) or Config.MetricsToken
// is set (then only "Authorization: Bearer <token>"). Anyone else gets a
// 404, as if there were no such route. The usual place for the scrape is
// the admin address (Metrics.Handler), which the public never reaches.
func (s *server) metricsGate(c *fiber.Ctx) error {
	if s.cfg.PublicMetrics {
		return c.Next()
	}
	tok := parseBearer(c.Get(fiber.HeaderAuthorization))
	if s.cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.MetricsToken)) == 1 {
		return c.Next()
	}
	return fiber.ErrNotFound
}
