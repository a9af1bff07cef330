package handlers

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/internal/redistest"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

// eventually retries do until it reports true, for at most d.
func eventually(t *testing.T, d time.Duration, what string, do func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !do() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A log-out while Redis is down is refused, and so is every retry until
// Redis takes it: no instance, this one included, treats the token as
// revoked before all of them do, and no WebSocket is closed for a log-out
// that did not happen. Once Redis is back the retry succeeds everywhere.
func TestLogoutDuringRedisOutageIsNotHalfDone(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	d := &recordingDisconnecter{}
	var envs [2]*testEnv
	for i := range envs {
		app, err := New(Config{JWTSecret: testSecret, Redis: rdb}, Deps{Store: s, Disconnecter: d})
		if err != nil {
			t.Fatal(err)
		}
		envs[i] = &testEnv{t: t, app: app, store: s}
	}
	a, b := envs[0], envs[1]
	u := a.signup()
	logout := req{method: "POST", path: "/api/v1/auth/logout", token: u.token}
	me := req{method: "GET", path: "/api/v1/me", token: u.token}

	srv.Stop()
	for range 3 {
		a.must(http.StatusServiceUnavailable, logout)
		a.must(http.StatusOK, me) // not revoked here either: nothing half done
	}
	if calls := d.take(); len(calls) != 0 {
		t.Errorf("a refused log-out closed WebSockets: %v", calls)
	}

	srv.Restart(t)
	eventually(t, 5*time.Second, "log-out after Redis is back", func() bool { return a.do(logout).status == http.StatusNoContent })
	b.must(http.StatusUnauthorized, me)
	a.must(http.StatusUnauthorized, me)
	if calls := d.take(); len(calls) != 1 {
		t.Errorf("Disconnect calls %v, want one for the log-out", calls)
	}
}
