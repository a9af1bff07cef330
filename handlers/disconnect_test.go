package handlers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/hub"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

// recordingDisconnecter keeps every Disconnect call; fail makes each one
// fail (after recording it).
type recordingDisconnecter struct {
	mu    sync.Mutex
	calls []string // "user/session"
	fail  bool
}

func (d *recordingDisconnecter) Disconnect(_ context.Context, userID, sessionID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, userID+"/"+sessionID)
	if d.fail {
		return errors.New("broker down")
	}
	return nil
}

// take returns the calls so far and forgets them.
func (d *recordingDisconnecter) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.calls
	d.calls = nil
	return out
}

// newDisconnectEnv is newEnv with a Disconnecter and the Sessions kept, to
// read a token's jti.
func newDisconnectEnv(t *testing.T, d Disconnecter, onErr func()) (*testEnv, *Sessions) {
	t.Helper()
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	cfg := Config{JWTSecret: testSecret}
	deps := Deps{Store: s, Disconnecter: d, OnPublishError: onErr}
	sessions, err := NewSessions(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	deps.Sessions = sessions
	app, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, app: app, store: s}, sessions
}

func jtiOf(t *testing.T, ss *Sessions, token string) string {
	t.Helper()
	sess, err := ss.tokens.verify(context.Background(), token)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return sess.JTI
}

// wantRevoked fails unless token was revoked: it no longer verifies,
// whether or not its user still exists.
func wantRevoked(t *testing.T, ss *Sessions, token string) {
	t.Helper()
	if _, err := ss.tokens.verify(context.Background(), token); err == nil {
		t.Error("the session's token still verifies: it was not revoked")
	}
}

// Log-out (API and form) disconnects that session; account deletion (API
// and form, one policy) revokes the session's token and disconnects the
// whole account; an anonymous log-out nothing.
func TestLogoutAndDeletionDisconnect(t *testing.T) {
	d := &recordingDisconnecter{}
	e, ss := newDisconnectEnv(t, d, nil)
	check := func(t *testing.T, want ...string) {
		t.Helper()
		got := d.take()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Disconnect calls %v, want %v", got, want)
		}
	}

	t.Run("api logout", func(t *testing.T) {
		u := e.with(t).signup()
		jti := jtiOf(t, ss, u.token)
		e.with(t).must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})
		check(t, u.id+"/"+jti)
		// Again: the token is revoked, nothing is signed out twice.
		e.with(t).must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})
		check(t)
	})
	t.Run("anonymous logout", func(t *testing.T) {
		e.with(t).must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout"})
		check(t)
	})
	t.Run("form logout", func(t *testing.T) {
		u := e.with(t).signup()
		jti := jtiOf(t, ss, u.token)
		br := e.with(t).newBrowser(&u)
		br.get("/")
		expect(t, br.post("/logout", nil), http.StatusSeeOther)
		check(t, u.id+"/"+jti)
	})
	t.Run("api account deletion", func(t *testing.T) {
		u := e.with(t).signup()
		e.with(t).must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/me", token: u.token,
			body: map[string]string{"password": u.password}})
		check(t, u.id+"/")
		wantRevoked(t, ss, u.token)
	})
	t.Run("form account deletion", func(t *testing.T) {
		u := e.with(t).signup()
		br := e.with(t).newBrowser(&u)
		br.get("/settings/delete")
		expect(t, br.post("/settings/delete", map[string]string{"password": "nope nope nope"}), http.StatusUnprocessableEntity)
		check(t) // a refused deletion disconnects nobody
		expect(t, br.post("/settings/delete", map[string]string{"password": u.password}), http.StatusSeeOther)
		check(t, u.id+"/")
		wantRevoked(t, ss, u.token)
	})
}

// A Disconnect that fails is logged and counted; the log-out succeeds.
func TestFailedDisconnectDoesNotFailLogout(t *testing.T) {
	var failures atomic.Int64
	d := &recordingDisconnecter{fail: true}
	e, _ := newDisconnectEnv(t, d, func() { failures.Add(1) })
	u := e.signup()
	e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/auth/logout", token: u.token})
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me", token: u.token})
	if n := len(d.take()); n != 1 || failures.Load() != 1 {
		t.Errorf("%d Disconnect calls, %d failures counted; want 1 and 1", n, failures.Load())
	}
}

// With the real hub behind a real listener: logging out closes the
// WebSocket opened with that token (code 4001) and only that one; deleting
// the account closes the rest.
func TestLogoutClosesTheSessionsWebSocket(t *testing.T) {
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	cfg := Config{JWTSecret: testSecret}
	sessions, err := NewSessions(cfg, Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.NewMemoryBroker(), hub.Config{Authenticate: sessions.Authenticate})
	app, err := New(cfg, Deps{Store: s, Publisher: h, Disconnecter: h, WS: h, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("hub shutdown: %v", err)
		}
		if err := app.ShutdownWithContext(ctx); err != nil {
			t.Errorf("fiber shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("listener: %v", err)
		}
	})
	base := "http://" + ln.Addr().String()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	e := &testEnv{t: t, app: app, store: s}
	u := e.signup()
	second := e.must(http.StatusOK, req{method: "POST", path: "/api/v1/auth/login",
		body: map[string]string{"email": u.email, "password": u.password}}).json(t)["token"].(string)
	other := e.signup()

	open := func(token string) *websocket.Conn {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{
			HTTPClient: hc,
			HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
		})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
		return c
	}
	read := func(c *websocket.Conn) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, b, err := c.Read(ctx)
		return string(b), err
	}
	subscribe := func(c *websocket.Conn, topic string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","topic":"`+topic+`"}`)); err != nil {
			t.Fatal(err)
		}
		if m, err := read(c); err != nil || !strings.Contains(m, `"subscribed"`) {
			t.Fatalf("subscribe %s: %q, %v", topic, m, err)
		}
	}
	expectEvent := func(c *websocket.Conn, topic string) {
		t.Helper()
		msg := `{"type":"event","topic":"` + topic + `","event":"test","data":{},"ts":0}`
		if err := h.Publish(context.Background(), topic, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		// The hub appends the event's position (offset, epoch).
		if m, err := read(c); err != nil || !strings.HasPrefix(m, msg[:len(msg)-1]+`,"offset":`) {
			t.Fatalf("got %q, %v; want the event on %s", m, err, topic)
		}
	}
	expectSignedOut := func(c *websocket.Conn) {
		t.Helper()
		m, err := read(c)
		if got := websocket.CloseStatus(err); got != hub.StatusSignedOut {
			t.Fatalf("got %q, %v (status %d); want the connection closed with %d", m, err, got, hub.StatusSignedOut)
		}
	}

	ws1, ws2, wsOther := open(u.token), open(second), open(other.token)
	mine, theirs := "user:"+u.id, "user:"+other.id
	subscribe(ws1, mine)
	subscribe(ws2, mine)
	subscribe(wsOther, theirs)

	r, err := http.NewRequest("POST", base+"/api/v1/auth/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+u.token)
	res, err := hc.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	expectSignedOut(ws1)
	expectEvent(ws2, mine)
	expectEvent(wsOther, theirs)

	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/me", token: second,
		body: map[string]string{"password": u.password}})
	expectSignedOut(ws2)
	expectEvent(wsOther, theirs)
	if st := h.Stats(); st.SignedOut != 2 {
		t.Errorf("hub stats %+v, want 2 signed out", st)
	}
}
