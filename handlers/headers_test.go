package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// Every response carries the security headers, with no Nginx in front:
// pages, the API, errors and static files alike.
func TestSecurityHeadersWithoutNginx(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/pins/" + f.pinID, "/login", "/api/v1/pins", "/no/such/page", "/api/v1/nope", "/healthz"} {
		r := f.e.do(req{method: "GET", path: path})
		for h, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "strict-origin-when-cross-origin",
			"Content-Security-Policy": contentSecurityPolicy,
			"Permissions-Policy":      permissionsPolicy,
		} {
			if got := r.header.Values(h); len(got) != 1 || got[0] != want {
				t.Errorf("%s: %s = %q, want exactly %q", path, h, got, want)
			}
		}
	}
	csp := contentSecurityPolicy
	for _, must := range []string{"frame-ancestors 'none'", "script-src 'self';", "style-src 'self';", "object-src 'none'"} {
		if !strings.Contains(csp, must) {
			t.Errorf("CSP lacks %q", must)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Error("the CSP allows inline code")
	}
}

// The CSP forbids inline scripts, inline event handlers and style
// attributes, so no page may contain any: every page a visitor and a
// signed-in user see is checked.
func TestPagesHaveNothingInline(t *testing.T) {
	f := newFixture(t)
	inline := regexp.MustCompile(`(?i)\sstyle\s*=|\son[a-z]+\s*=|<style|javascript:`)
	scriptTag := regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)
	anon, bob := f.e.newBrowser(nil), f.e.newBrowser(&f.bob)
	for _, b := range []*browser{anon, bob} {
		for _, path := range []string{"/", "/pins/" + f.pinID, "/users/" + f.alice.id, "/groups/" + f.group, "/login", "/signup",
			"/pins/new", "/groups", "/groups/new", "/settings/profile", "/settings/delete", "/notifications", "/bookmarks", "/feed"} {
			r := b.get(path)
			if m := inline.Find(r.body); m != nil {
				t.Errorf("%s has inline code the CSP would block: %q", path, m)
			}
			for _, m := range scriptTag.FindAllSubmatch(r.body, -1) {
				if !strings.Contains(string(m[1]), "src=") || strings.TrimSpace(string(m[2])) != "" {
					t.Errorf("%s has an inline script: %q", path, m[0])
				}
			}
		}
	}
}

// /metrics is not public on the main port: only PublicMetrics or the
// MetricsToken open it; Metrics.Handler serves the admin address.
func TestMetricsAreNotPublic(t *testing.T) {
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	met := NewMetrics()
	build := func(cfg Config) *testEnv {
		cfg.JWTSecret = testSecret
		app, err := New(cfg, Deps{Store: s, Metrics: met})
		if err != nil {
			t.Fatal(err)
		}
		return &testEnv{t: t, app: app, store: s}
	}
	closed := build(Config{})
	closed.must(http.StatusNotFound, req{method: "GET", path: "/metrics"})

	tokened := build(Config{MetricsToken: "scrape-secret"})
	tokened.must(http.StatusNotFound, req{method: "GET", path: "/metrics"})
	tokened.must(http.StatusNotFound, req{method: "GET", path: "/metrics", token: "wrong"})
	tokened.must(http.StatusOK, req{method: "GET", path: "/metrics", token: "scrape-secret"})

	rec := httptest.NewRecorder()
	met.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || !strings.Contains(string(body), "mypinterest_http_requests_total") {
		t.Errorf("admin handler: %d %.200s", rec.Code, body)
	}
}
