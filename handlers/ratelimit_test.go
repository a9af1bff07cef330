package handlers

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/hub"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

// Concurrent attempts on two instances sharing Redis: exactly the budget
// gets through (INCR and the expiry are one script, so no two first hits
// both start a window and no read-then-write loses a count).
func TestRateLimitIsAtomicAcrossInstances(t *testing.T) {
	// Generous: a count that fell back to an instance's memory (Redis slow
	// on a loaded machine) would pass this test's budget twice.
	defer func(d time.Duration) { hub.RedisCallTimeout = d }(hub.RedisCallTimeout)
	hub.RedisCallTimeout = 5 * time.Second
	rdb := startRedis(t)
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	const limit, attempts = 20, 60
	var envs [2]*testEnv
	for i := range envs {
		app, err := New(Config{JWTSecret: testSecret, AuthRateLimit: limit}, Deps{Store: s, Redis: rdb})
		if err != nil {
			t.Fatal(err)
		}
		envs[i] = &testEnv{t: t, app: app, store: s}
	}
	var passed, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			r := envs[i%2].do(req{method: "POST", path: "/api/v1/auth/login",
				body: map[string]string{"email": "nobody@example.com", "password": "wrong-password-1"}})
			switch r.status {
			case http.StatusTooManyRequests:
				limited.Add(1)
			case http.StatusUnauthorized:
				passed.Add(1)
			default:
				t.Errorf("status %d: %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	if passed.Load() != limit || limited.Load() != attempts-limit {
		t.Errorf("%d attempts passed and %d were limited; want exactly %d and %d", passed.Load(), limited.Load(), limit, attempts-limit)
	}
}

// The password check of account deletion counts against the budget, per
// address and per account, through the API and the form alike.
func TestAccountDeletionPasswordIsRateLimited(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AuthRateLimit = 3 })
	u := e.signup() // one attempt of the address's budget
	wrong := req{method: "DELETE", path: "/api/v1/me", token: u.token, body: map[string]string{"password": "not the password"}}
	e.must(http.StatusUnprocessableEntity, wrong)
	e.must(http.StatusUnprocessableEntity, wrong)
	r := e.must(http.StatusTooManyRequests, wrong)
	if r.errCode(t) != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("code %s, Retry-After %q", r.errCode(t), r.header.Get("Retry-After"))
	}
	// Not even the right password gets through now.
	e.must(http.StatusTooManyRequests, req{method: "DELETE", path: "/api/v1/me", token: u.token, body: map[string]string{"password": u.password}})
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: u.token})

	t.Run("form", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.AuthRateLimit = 2 })
		u := e.signup()
		b := e.newBrowser(&u)
		b.get("/settings/delete")
		expect(t, b.post("/settings/delete", map[string]string{"password": "not the password"}), http.StatusUnprocessableEntity)
		expect(t, b.post("/settings/delete", map[string]string{"password": u.password}), http.StatusTooManyRequests)
		e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: u.token})
	})
}
