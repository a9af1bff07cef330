package handlers

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/hub"
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
		app, err := New(Config{JWTSecret: testSecret}, Deps{Store: s, Disconnecter: d, Redis: rdb})
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

// pausableRedis is a redis-server this test owns by PID, so that it can be
// stopped with SIGSTOP (connections stay open and nothing answers: the
// worst kind of outage) and killed.
type pausableRedis struct {
	addr string
	cmd  *exec.Cmd
}

func startPausableRedis(t *testing.T) *pausableRedis {
	t.Helper()
	r := &pausableRedis{addr: freeAddr(t)}
	r.start(t)
	t.Cleanup(r.kill)
	return r
}

func (r *pausableRedis) start(t *testing.T) {
	t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command(redistest.Binary, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *pausableRedis) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

func (r *pausableRedis) kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT)
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// defaultClient is a go-redis client with the library's defaults (3 s
// reads, 3 retries, context deadlines ignored): the guard must bound the
// wait whatever the client is configured with.
func defaultClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// While Redis hangs (SIGSTOP: connections open, no answers) and after it is
// killed, signed-in requests, a comment (which publishes through Redis) and
// a rate-limited log-in add at most 100 ms at the median and 500 ms at
// p99; once Redis is back, revocations are shared again without a restart.
// The latencies are measured in pairs, each request sent to an app whose
// Redis is healthy and then to one whose Redis is broken, so that the load
// of a busy test machine weighs on both sides alike. Unguarded, every
// request would wait out the client's 3 s timeouts and retries; the p99
// bound leaves room for a scheduling stall on one side of a pair (a run at
// load average 20 saw one).
func TestRedisHangAddsLittleLatency(t *testing.T) {
	defer func(d time.Duration) { hub.RedisCallTimeout = d }(hub.RedisCallTimeout)
	hub.RedisCallTimeout = 50 * time.Millisecond // production's bound
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	srv := startPausableRedis(t)
	newApp := func(rdb *redis.Client) *testEnv {
		h := hub.New(hub.NewRedisBroker(rdb, nil), hub.Config{})
		t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
		app, err := New(Config{JWTSecret: testSecret, AuthRateLimit: 100000}, Deps{Store: s, Publisher: h, Disconnecter: h, Redis: rdb})
		if err != nil {
			t.Fatal(err)
		}
		return &testEnv{t: t, app: app, store: s}
	}
	healthy := newApp(defaultClient(t, redistest.Start(t).Addr))
	broken := newApp(defaultClient(t, srv.addr))
	u, author := healthy.signup(), healthy.signup()
	pin := healthy.createPin(author, healthy.createGroup(author, "g"), "p")["id"].(string)

	requests := []req{
		{method: "GET", path: "/api/v1/me", token: u.token},
		{method: "POST", path: "/api/v1/pins/" + pin + "/comments", token: u.token, body: map[string]string{"content": "hi"}},
		{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": u.email, "password": "wrong password"}},
	}
	at := func(ds []time.Duration, pct int) time.Duration {
		slices.Sort(ds)
		return ds[len(ds)*pct/100]
	}
	check := func(phase string, rounds int) {
		t.Helper()
		for _, r := range requests {
			var good, bad []time.Duration
			for range rounds {
				for _, side := range []struct {
					e   *testEnv
					out *[]time.Duration
				}{{healthy, &good}, {broken, &bad}} {
					start := time.Now()
					res := side.e.do(r)
					*side.out = append(*side.out, time.Since(start))
					if res.status >= 500 {
						t.Fatalf("%s: %s %s: %d %s", phase, r.method, r.path, res.status, res.body)
					}
				}
			}
			for _, bound := range []struct {
				pct   int
				extra time.Duration
			}{{50, 100 * time.Millisecond}, {99, 500 * time.Millisecond}} {
				g, b := at(good, bound.pct), at(bad, bound.pct)
				t.Logf("%s: %s %s p%d %v (healthy Redis %v)", phase, r.method, r.path, bound.pct, b, g)
				if b-g > bound.extra {
					t.Errorf("%s: %s %s adds %v at p%d, want at most %v", phase, r.method, r.path, b-g, bound.pct, bound.extra)
				}
			}
		}
	}

	srv.signal(t, syscall.SIGSTOP)
	check("redis stopped", 60)
	srv.kill()
	check("redis killed", 40)

	srv.start(t)
	eventually(t, 10*time.Second, "log-out after Redis is back", func() bool {
		return broken.do(req{method: "POST", path: "/api/v1/auth/logout", token: u.token}).status == http.StatusNoContent
	})
	n, err := redis.NewClient(&redis.Options{Addr: srv.addr}).Keys(context.Background(), revokedKeyPrefix+"*").Result()
	if err != nil || len(n) != 1 {
		t.Errorf("revocations in Redis after recovery: %v, %v", n, err)
	}
}
