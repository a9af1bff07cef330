package handlers

import (
	"context"
	"net/http"
	"testing"
)

// Log-in CSRF through the API: a cross-site form (enctype text/plain with
// JSON-looking text, the one way a page can post "JSON" without asking)
// must neither sign anyone in nor out.
func TestCrossSiteCannotSignInOrOut(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{"https://app.example.com", "*.partner.example"} })
	u := e.signup()
	creds := map[string]string{"email": u.email, "password": u.password}
	login := func(ct string, h map[string]string) resp {
		return e.do(req{method: "POST", path: "/api/v1/auth/login", body: creds, contentType: ct, header: h})
	}
	noSession := func(t *testing.T, r resp) {
		t.Helper()
		for _, c := range r.cookies {
			if c.Name == sessionCookie && c.Value != "" {
				t.Errorf("a session cookie was set: %d %s", r.status, r.body)
			}
		}
	}
	cases := []struct {
		name   string
		ct     string
		header map[string]string
		status int
	}{
		{"text/plain from a form", "text/plain", nil, http.StatusUnsupportedMediaType},
		{"form-encoded", "application/x-www-form-urlencoded", nil, http.StatusUnsupportedMediaType},
		{"no content type", "none", nil, http.StatusUnsupportedMediaType},
		{"foreign Origin", "application/json", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"null Origin", "application/json", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"cross-site fetch", "application/json", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site sibling", "application/json", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"own origin", "application/json", map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"allowed origin", "application/json", map[string]string{"Origin": "https://app.example.com", "Sec-Fetch-Site": "cross-site"}, http.StatusOK},
		{"allowed host pattern", "application/json", map[string]string{"Origin": "https://a.partner.example"}, http.StatusOK},
		{"JSON with charset, no browser headers", "application/json; charset=utf-8", nil, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.ct
			if ct == "none" {
				ct = "-" // sent as an unparsable type: httptest needs something
			}
			r := login(ct, tc.header)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != http.StatusOK {
				noSession(t, r)
			}
		})
	}
	t.Run("sign-up", func(t *testing.T) {
		r := e.do(req{method: "POST", path: "/api/v1/auth/signup", contentType: "text/plain",
			body: map[string]string{"email": "csrf@example.com", "nickname": "csrfvictim", "password": "long enough pw"}})
		if r.status != http.StatusUnsupportedMediaType || r.errCode(t) != "unsupported" {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		noSession(t, r)
	})
	t.Run("log-out", func(t *testing.T) {
		h := map[string]string{"Cookie": sessionCookie + "=" + u.token, "Origin": "https://evil.example"}
		e.must(http.StatusForbidden, req{method: "POST", path: "/api/v1/auth/logout", header: h})
		h = map[string]string{"Cookie": sessionCookie + "=" + u.token, "Sec-Fetch-Site": "cross-site"}
		e.must(http.StatusForbidden, req{method: "POST", path: "/logout", header: h, contentType: "application/x-www-form-urlencoded", body: ""})
		e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: u.token})
	})
	t.Run("page log-in form", func(t *testing.T) {
		b := e.newBrowser(nil)
		b.get("/login")
		b.headers = map[string]string{"Origin": "https://evil.example"}
		r := b.post("/login", creds)
		if r.status != http.StatusForbidden {
			t.Fatalf("status %d", r.status)
		}
		noSession(t, r)
	})
}

// The CSRF token is bound to its session: one lifted from another
// session, or from a signed-out page, is refused.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	f := newFixture(t)
	bob := f.e.newBrowser(&f.bob)
	bob.get("/")
	alice := f.e.newBrowser(&f.alice)
	alice.get("/")
	anon := f.e.newBrowser(nil)
	anon.get("/login")
	if bob.csrf == "" || alice.csrf == "" || anon.csrf == "" {
		t.Fatal("a page lacks its token")
	}
	for name, tok := range map[string]string{"another session's": alice.csrf, "a signed-out page's": anon.csrf} {
		r := bob.post("/notifications/read", map[string]string{csrfField: tok})
		if r.status != http.StatusForbidden {
			t.Errorf("%s token: status %d", name, r.status)
		}
	}
	if r := bob.post("/notifications/read", nil); r.status != http.StatusSeeOther {
		t.Errorf("own token: status %d", r.status)
	}
}

// Only a Bearer token spares a request the CSRF check: any other
// Authorization header leaves the session cookie in charge, so it needs the
// token like any cookie request.
func TestOnlyBearerSkipsCSRF(t *testing.T) {
	f := newFixture(t)
	h := map[string]string{"Cookie": sessionCookie + "=" + f.bob.token, "Authorization": "Basic Ym9iOnB3"}
	r := f.e.do(req{method: "PATCH", path: "/api/v1/me", body: map[string]string{"message": "forged"}, header: h})
	if r.status != http.StatusForbidden {
		t.Fatalf("Basic + cookie without a CSRF token: status %d: %s", r.status, r.body)
	}
	me := f.e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: f.bob.token}).json(t)
	if me["message"] != "" {
		t.Errorf("the write went through: %v", me)
	}
}

// Nothing is stored per page view: thousands of cookie-less views of the
// log-in and sign-up forms leave Redis empty.
func TestCSRFKeepsNoServerState(t *testing.T) {
	rdb := startRedis(t)
	e := newEnvDeps(t, func(d *Deps) { d.Redis = rdb })
	for i := range 500 {
		path := "/login"
		if i%2 == 1 {
			path = "/signup"
		}
		e.must(http.StatusOK, req{method: "GET", path: path})
	}
	if n, err := rdb.DBSize(context.Background()).Result(); err != nil || n != 0 {
		t.Errorf("Redis holds %d keys (%v) after 500 anonymous form views; want 0", n, err)
	}
}
