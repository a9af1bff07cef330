package handlers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestSignupAndLoginInput(t *testing.T) {
	e := newEnv(t)
	taken := e.signup()
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		field  string // the field a 422 or typed 400 names
	}{
		{"empty body", "/api/v1/auth/signup", "", http.StatusBadRequest, ""},
		{"malformed JSON", "/api/v1/auth/signup", `{"email":`, http.StatusBadRequest, ""},
		{"trailing data", "/api/v1/auth/signup", `{"email":"a@b.cd"} {}`, http.StatusBadRequest, ""},
		{"array body", "/api/v1/auth/signup", `[]`, http.StatusBadRequest, ""},
		{"operator injection on login", "/api/v1/auth/login", `{"email":{"$gt":""},"password":"x"}`, http.StatusBadRequest, "email"},
		{"operator injection on signup", "/api/v1/auth/signup", `{"email":{"$ne":null},"nickname":"a","password":"x"}`, http.StatusBadRequest, "email"},
		{"number for a string", "/api/v1/auth/signup", `{"email":"x@example.com","nickname":12,"password":"longenough1"}`, http.StatusBadRequest, "nickname"},
		{"bad email", "/api/v1/auth/signup", map[string]string{"email": "not-an-email", "nickname": "kim", "password": "plenty-long-9"}, http.StatusUnprocessableEntity, "email"},
		{"email too long", "/api/v1/auth/signup", map[string]string{"email": strings.Repeat("a", 95) + "@example.com", "nickname": "kim", "password": "plenty-long-9"}, http.StatusUnprocessableEntity, "email"},
		{"nickname empty", "/api/v1/auth/signup", map[string]string{"email": "n1@example.com", "nickname": "", "password": "plenty-long-9"}, http.StatusUnprocessableEntity, "nickname"},
		{"nickname too long", "/api/v1/auth/signup", map[string]string{"email": "n2@example.com", "nickname": "abcdefghijk", "password": "plenty-long-9"}, http.StatusUnprocessableEntity, "nickname"},
		{"nickname with symbols", "/api/v1/auth/signup", map[string]string{"email": "n3@example.com", "nickname": "kim!", "password": "plenty-long-9"}, http.StatusUnprocessableEntity, "nickname"},
		{"password short", "/api/v1/auth/signup", map[string]string{"email": "p1@example.com", "nickname": "pone", "password": "abc12"}, http.StatusUnprocessableEntity, "password"},
		{"password digits only", "/api/v1/auth/signup", map[string]string{"email": "p2@example.com", "nickname": "ptwo", "password": "1234567890"}, http.StatusUnprocessableEntity, "password"},
		{"password common", "/api/v1/auth/signup", map[string]string{"email": "p3@example.com", "nickname": "pthree", "password": "password123"}, http.StatusUnprocessableEntity, "password"},
		{"password like the email", "/api/v1/auth/signup", map[string]string{"email": "gildong@example.com", "nickname": "pfour", "password": "gildong2024"}, http.StatusUnprocessableEntity, "password"},
		{"duplicate email in another case", "/api/v1/auth/signup", map[string]string{"email": strings.ToUpper(taken.email), "nickname": "fresh1", "password": "plenty-long-9"}, http.StatusConflict, ""},
		{"duplicate nickname", "/api/v1/auth/signup", map[string]string{"email": "fresh2@example.com", "nickname": taken.nickname, "password": "plenty-long-9"}, http.StatusConflict, ""},
		{"wrong password", "/api/v1/auth/login", map[string]string{"email": taken.email, "password": "wrong-password-1"}, http.StatusUnauthorized, ""},
		{"unknown email", "/api/v1/auth/login", map[string]string{"email": "nobody@example.com", "password": taken.password}, http.StatusUnauthorized, ""},
		{"login in another case", "/api/v1/auth/login", map[string]string{"email": strings.ToUpper(taken.email), "password": taken.password}, http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, req{method: "POST", path: tc.path, body: tc.body, contentType: "application/json"})
			if tc.status == http.StatusOK {
				return
			}
			r.errCode(t)
			if tc.field != "" {
				if _, ok := r.errFields(t)[tc.field]; !ok {
					t.Errorf("fields = %v, want %q named", r.errFields(t), tc.field)
				}
			}
		})
	}
}

func TestSignupAnswersUserTokenAndCookie(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.CookieSecure = true })
	r := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/auth/signup",
		body: map[string]string{"email": "Kim@Example.com", "nickname": "김철수", "password": "plenty-long-9"}})
	m := r.json(t)
	u := m["user"].(map[string]any)
	if u["email"] != "kim@example.com" || u["nickname"] != "김철수" || u["avatar_url"] != defaultAvatarURL || u["message"] != "" {
		t.Errorf("user = %v", u)
	}
	if _, err := time.Parse(time.RFC3339, u["created_at"].(string)); err != nil {
		t.Errorf("created_at: %v", err)
	}
	for _, secret := range []string{"password", "password_hash", "PasswordHash"} {
		if _, ok := u[secret]; ok {
			t.Errorf("user shows %s", secret)
		}
	}
	var cookie *http.Cookie
	for _, c := range r.cookies {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie")
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || !cookie.Secure || cookie.Value != m["token"] {
		t.Errorf("cookie = %+v", cookie)
	}
	if cookie.MaxAge != int(DefaultTokenTTL/time.Second) {
		t.Errorf("cookie max-age = %d", cookie.MaxAge)
	}
}

func TestCookieAndBearerAuthenticateAndLogoutRevokes(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	byCookie := map[string]string{"Cookie": sessionCookie + "=" + u.token}
	me := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: u.token}).json(t)
	if me["id"] != u.id || me["email"] != u.email {
		t.Errorf("me = %v", me)
	}
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", header: byCookie})
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me"})

	// A second session of the same user survives the first one's log-out.
	other := e.must(http.StatusOK, req{method: "POST", path: "/api/v1/auth/login",
		body: map[string]string{"email": u.email, "password": u.password}}).json(t)["token"].(string)

	r := e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})
	cleared := false
	for _, c := range r.cookies {
		cleared = cleared || (c.Name == sessionCookie && c.Value == "")
	}
	if !cleared {
		t.Error("log-out did not clear the cookie")
	}
	if got := e.do(req{method: "GET", path: "/api/v1/me", token: u.token}); got.status != http.StatusUnauthorized || got.errCode(t) != "unauthorized" {
		t.Errorf("revoked bearer: %d %s", got.status, got.body)
	}
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me", header: byCookie})
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: other})
	// Public reads treat a revoked token as anonymous rather than failing.
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins", token: u.token})
	// Logging out again, or without a session, is still a 204.
	e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})
}

func TestForgedTokensAreRefused(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	now := time.Now()
	claims := func(mut func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := jwt.RegisteredClaims{Issuer: DefaultIssuer, Subject: u.id, ID: "forged-jti",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}
		if mut != nil {
			mut(&c)
		}
		return c
	}
	sign := func(c jwt.RegisteredClaims, key []byte) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims(nil)).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, token string
		status      int
	}{
		{"control: well signed", sign(claims(nil), testSecret), http.StatusOK},
		{"another key", sign(claims(nil), []byte("another-secret-another-secret-1234")), http.StatusUnauthorized},
		{"alg none", none, http.StatusUnauthorized},
		{"alg HS512", hs512, http.StatusUnauthorized},
		{"expired", sign(claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) }), testSecret), http.StatusUnauthorized},
		{"no expiry", sign(claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil }), testSecret), http.StatusUnauthorized},
		{"wrong issuer", sign(claims(func(c *jwt.RegisteredClaims) { c.Issuer = "someone-else" }), testSecret), http.StatusUnauthorized},
		{"unknown user", sign(claims(func(c *jwt.RegisteredClaims) { c.Subject = "64b7f0c2a1b2c3d4e5f60718" }), testSecret), http.StatusUnauthorized},
		{"malformed subject", sign(claims(func(c *jwt.RegisteredClaims) { c.Subject = "nope" }), testSecret), http.StatusUnauthorized},
		{"garbage", "not.a.token", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, req{method: "GET", path: "/api/v1/me", token: tc.token})
			if tc.status == http.StatusUnauthorized && r.errCode(t) != "unauthorized" {
				t.Errorf("code = %s", r.errCode(t))
			}
		})
	}
}

func TestCrossSiteCookieWritesAreRefused(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	h := map[string]string{"Cookie": sessionCookie + "=" + u.token, "Sec-Fetch-Site": "cross-site"}
	e.must(http.StatusForbidden, req{method: "PATCH", path: "/api/v1/me", body: map[string]string{"message": "pwned"}, header: h})
	if me := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: u.token}).json(t); me["message"] != "" {
		t.Errorf("a cross-site write went through: %v", me)
	}
}

func TestAuthRateLimit(t *testing.T) {
	login := func(e *testEnv, xff string) resp {
		var h map[string]string
		if xff != "" {
			h = map[string]string{"X-Forwarded-For": xff}
		}
		return e.do(req{method: "POST", path: "/api/v1/auth/login", header: h,
			body: map[string]string{"email": "nobody@example.com", "password": "wrong-password-1"}})
	}
	t.Run("fourth attempt from one IP", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.AuthRateLimit = 3 })
		for i := range 3 {
			if r := login(e, ""); r.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, r.status)
			}
		}
		r := login(e, "")
		if r.status != http.StatusTooManyRequests || r.errCode(t) != "rate_limited" {
			t.Fatalf("4th attempt: %d %s", r.status, r.body)
		}
		// Sign-up shares the budget.
		e.must(http.StatusTooManyRequests, req{method: "POST", path: "/api/v1/auth/signup",
			body: map[string]string{"email": "x@example.com", "nickname": "x", "password": "plenty-long-9"}})
		// Other endpoints are not limited.
		e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins"})
	})
	t.Run("forwarded addresses from an untrusted peer are ignored", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.AuthRateLimit = 3 })
		for i := range 4 {
			r := login(e, "10.0.0."+string(rune('1'+i)))
			if i == 3 && r.status != http.StatusTooManyRequests {
				t.Fatalf("spoofed X-Forwarded-For escaped the limit: %d", r.status)
			}
		}
	})
	t.Run("trusted proxy: one budget per client", func(t *testing.T) {
		// app.Test connections come from 0.0.0.0, standing in for Nginx.
		e := newEnv(t, func(c *Config) { c.AuthRateLimit = 3; c.TrustedProxies = []string{"0.0.0.0"} })
		for range 3 {
			login(e, "203.0.113.7")
		}
		if r := login(e, "198.51.100.1, 203.0.113.7"); r.status != http.StatusTooManyRequests {
			t.Fatalf("a forged leftmost hop escaped the limit: %d", r.status)
		}
		if r := login(e, "203.0.113.8"); r.status != http.StatusUnauthorized {
			t.Fatalf("another client was limited: %d", r.status)
		}
	})
}

// A log-out outlives a restart of a single instance: the revocation is in
// the database, and a new app on the same store refuses the token.
func TestLogoutSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})

	app, err := New(Config{JWTSecret: testSecret}, Deps{Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	restarted := &testEnv{t: t, app: app, store: e.store}
	restarted.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me", token: u.token})
	other := e.signup()
	restarted.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: other.token})
}
