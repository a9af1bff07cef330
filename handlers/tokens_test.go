package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

func TestMemoryRevokerExpiresAndPrunes(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	m := newMemoryRevoker(clock)
	ctx := context.Background()
	if err := m.Revoke(ctx, "a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if ok, _ := m.IsRevoked(ctx, "a"); !ok {
		t.Fatal("a revoked token is accepted")
	}
	if ok, _ := m.IsRevoked(ctx, "b"); ok {
		t.Fatal("an unrelated token is refused")
	}
	now = now.Add(2 * time.Minute)
	if ok, _ := m.IsRevoked(ctx, "a"); ok {
		t.Error("a revocation outlived its token")
	}
	// The next write prunes what expired, so the map stays bounded.
	if err := m.Revoke(ctx, "c", time.Minute); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	_, kept := m.until["a"]
	m.mu.Unlock()
	if kept {
		t.Error("an expired revocation was not pruned")
	}
}

// lockedBuffer collects log output written from request goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestInternalErrorsAreHiddenAndLogged(t *testing.T) {
	var logs lockedBuffer
	e := newEnvDeps(t, func(d *Deps) { d.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	e.app.Get("/api/v1/test-panic", func(*fiber.Ctx) error { panic("secret driver detail") })
	r := e.must(http.StatusInternalServerError, req{method: "GET", path: "/api/v1/test-panic"})
	if r.errCode(t) != "internal" || strings.Contains(string(r.body), "secret") {
		t.Errorf("body = %s", r.body)
	}
	if !strings.Contains(string(r.body), `"message":"Internal error."`) {
		t.Errorf("body = %s", r.body)
	}
	id := r.header.Get("X-Request-ID")
	if id == "" || !strings.Contains(logs.String(), id) || !strings.Contains(logs.String(), "secret driver detail") {
		t.Errorf("log lacks the request id %q or the cause: %s", id, logs.String())
	}
}

func TestSessionsAuthenticateForTheHub(t *testing.T) {
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	cfg := Config{JWTSecret: testSecret}
	sessions, err := NewSessions(cfg, Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(cfg, Deps{Store: s, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: s}
	u, gone, other := e.signup(), e.signup(), e.signup()
	upgrade := func(header, value string) string {
		r := httptest.NewRequest("GET", "/ws", nil)
		if header != "" {
			r.Header.Set(header, value)
		}
		id := sessions.Authenticate(r)
		if (id.UserID == "") != (id.SessionID == "") {
			t.Errorf("Authenticate = %+v: a user without a session or a session without a user", id)
		}
		return id.UserID
	}
	e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: other.token})
	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/me", token: gone.token, body: map[string]string{"password": gone.password}})
	cases := []struct {
		name, header, value, want string
	}{
		{"bearer", "Authorization", "Bearer " + u.token, u.id},
		{"cookie", "Cookie", sessionCookie + "=" + u.token, u.id},
		{"anonymous", "", "", ""},
		{"garbage", "Authorization", "Bearer nope", ""},
		{"logged out through the app", "Authorization", "Bearer " + other.token, ""},
		{"deleted account", "Cookie", sessionCookie + "=" + gone.token, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := upgrade(tc.header, tc.value); got != tc.want {
				t.Errorf("Authenticate = %q, want %q", got, tc.want)
			}
		})
	}
}

// The CSRF guard and authenticate both read the session cookie; it is
// parsed once per request and a forged one is refused by both.
func TestSessionCookieParsedOncePerRequest(t *testing.T) {
	tk := newTokens([]byte("k"), "mypinterest", time.Hour, newMemoryRevoker(time.Now))
	good, err := tk.issue(bson.NewObjectID().Hex())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := newTokens([]byte("other"), "mypinterest", time.Hour, nil).issue("x")
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		first, ok1 := signedCookie(c, tk.signed)
		c.Request().Header.SetCookie(sessionCookie, "changed")
		second, ok2 := signedCookie(c, tk.signed)
		if ok1 != ok2 || first.ID != second.ID {
			return c.SendString("parsed twice")
		}
		return c.SendString(fmt.Sprint(ok1))
	})
	for cookie, want := range map[string]string{good: "true", forged: "false", "junk": "false"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		res, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if string(body) != want {
			t.Errorf("cookie %.12s…: %s, want %s", cookie, body, want)
		}
	}
}
