package handlers

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/internal/redistest"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

func TestHealthAndErrors(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BodyLimit = 64 << 10 })
	u := e.signup()
	cases := []struct {
		name        string
		r           req
		status      int
		code        string
		bodyContain string
	}{
		{"healthz", req{method: "GET", path: "/healthz"}, http.StatusOK, "", `{"status":"ok"}`},
		{"readyz", req{method: "GET", path: "/readyz"}, http.StatusOK, "", `{"status":"ok"}`},
		{"unknown API route", req{method: "GET", path: "/api/v1/nothing"}, http.StatusNotFound, "not_found", ""},
		{"unknown API method", req{method: "PUT", path: "/api/v1/pins"}, http.StatusNotFound, "not_found", ""},
		{"JSON where a form is needed", req{method: "PUT", path: "/api/v1/me/avatar", token: u.token, body: map[string]string{"image": "x"}}, http.StatusBadRequest, "malformed", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, tc.r)
			if tc.code != "" && r.errCode(t) != tc.code {
				t.Errorf("code = %s", r.errCode(t))
			}
			if tc.bodyContain != "" && !strings.Contains(string(r.body), tc.bodyContain) {
				t.Errorf("body = %s", r.body)
			}
			if r.header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("content type %q", r.header.Get("Content-Type"))
			}
		})
	}
}

// TestBodyLimit needs a real listener: app.Test reports fasthttp's
// body-size error instead of returning the response written for it.
// Requests declare a body over the limit.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.BodyLimit = 64 << 10 })
	u := e.signup()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.app.Listener(ln) }()
	t.Cleanup(func() {
		if err := e.app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Error(err)
		}
		<-done
	})
	cases := []struct {
		name, path, contentType string
	}{
		{"JSON", "/api/v1/auth/login", "application/json"},
		{"upload", "/api/v1/me/avatar", "multipart/form-data; boundary=x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Headers only: the server refuses on the declared length and
			// closes, and with no unread body the close is a clean FIN.
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: test\r\nContent-Type: %s\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
				tc.path, tc.contentType, u.token, 65<<10)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"code":"too_large"`) {
				t.Errorf("%d %s", res.StatusCode, body)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	s := storetest.New(t)
	if _, err := New(Config{JWTSecret: []byte("short")}, Deps{Store: s}); err == nil {
		t.Error("a short secret was accepted")
	}
	if _, err := New(Config{JWTSecret: testSecret}, Deps{}); err == nil {
		t.Error("a missing store was accepted")
	}
}

func TestReadyzReportsRedisDown(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: freeAddr(t), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	e := newEnvDeps(t, func(d *Deps) { d.Redis = dead })
	r := e.must(http.StatusServiceUnavailable, req{method: "GET", path: "/readyz"})
	if r.errCode(t) != "unavailable" {
		t.Errorf("code = %s", r.errCode(t))
	}
	e.must(http.StatusOK, req{method: "GET", path: "/healthz"})
}

// TestRedisSharesRevocationsAndLimits runs two instances on one database
// and one Redis: a log-out on one is honoured by the other, and the
// sign-in budget is shared.
func TestRedisSharesRevocationsAndLimits(t *testing.T) {
	rdb := startRedis(t)
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	var apps [2]*testEnv
	for i := range apps {
		app, err := New(Config{JWTSecret: testSecret, AuthRateLimit: 4}, Deps{Store: s, Redis: rdb})
		if err != nil {
			t.Fatal(err)
		}
		apps[i] = &testEnv{t: t, app: app, store: s}
	}
	u := apps[0].signup() // attempt 1
	apps[1].must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: u.token})
	apps[0].must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})
	apps[1].must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me", token: u.token})

	login := req{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": u.email, "password": u.password}}
	apps[1].must(http.StatusOK, login)              // 2
	apps[0].must(http.StatusOK, login)              // 3
	apps[1].must(http.StatusOK, login)              // 4
	apps[0].must(http.StatusTooManyRequests, login) // 5: over the shared budget
}

// startRedis runs a private redis-server for the test (stopped after it)
// and returns a client of it.
func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	return redisClient(t, redistest.Start(t))
}

func redisClient(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestRedisOutageKeepsSessions: while Redis is down, signed-in requests
// still work, a token logged out on this instance stays refused, and a
// log-out that cannot be shared is refused rather than half done.
func TestRedisOutageKeepsSessions(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	app, err := New(Config{JWTSecret: testSecret}, Deps{Store: s, Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: s}
	alive, gone := e.signup(), e.signup()
	e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: gone.token})

	srv.Stop()
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: alive.token})
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me", token: gone.token})
	e.must(http.StatusServiceUnavailable, req{method: "POST", path: "/api/v1/auth/logout", token: alive.token})
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(fmt.Errorf("close: %w", err))
	}
	return addr
}
