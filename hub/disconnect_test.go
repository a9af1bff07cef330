package hub

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"

	"mypinterest/internal/redistest"
)

// dialAs connects as user with session (both may be "").
func dialAs(tb testing.TB, srv *httptest.Server, user, session string) *client {
	tb.Helper()
	h := http.Header{}
	if user != "" {
		h.Set(testUserHeader, user)
	}
	if session != "" {
		h.Set(testSessionHeader, session)
	}
	c, _, err := dial(tb, wsURL(srv), h)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	return c
}

// expectSignedOut reads until the connection ends and checks that the
// server closed it with StatusSignedOut.
func (c *client) expectSignedOut() {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := c.read(ctx)
	if err == nil {
		c.tb.Fatalf("got %+v, want the connection closed with %d", m, StatusSignedOut)
	}
	if got := websocket.CloseStatus(err); got != StatusSignedOut {
		c.tb.Fatalf("connection ended with %v (status %d), want %d", err, got, StatusSignedOut)
	}
}

func TestDisconnectClosesSessionThenUser(t *testing.T) {
	h, srv := mustHub(t, Config{})
	a1 := dialAs(t, srv, alice, "s1")
	a2 := dialAs(t, srv, alice, "s2")
	a3 := dialAs(t, srv, alice, "") // authenticated without a session id
	b := dialAs(t, srv, bob, "s1")  // same session id, another user
	anon := dialAs(t, srv, "", "s1")
	for _, c := range []*client{a1, a2, a3} {
		c.subscribe("user:" + alice)
	}
	b.subscribe("user:" + bob)
	anon.subscribe("pins")
	// The control topic is not a client topic.
	anon.send(clientMsg{Type: "subscribe", Topic: DisconnectTopic})
	anon.expect("error", DisconnectTopic, CodeBadTopic)

	if err := h.Disconnect(context.Background(), alice, "s1"); err != nil {
		t.Fatal(err)
	}
	a1.expectSignedOut()
	mustPublish(t, h, "user:"+alice, 1)
	a2.expectSeqs("user:"+alice, 1, 2)
	a3.expectSeqs("user:"+alice, 1, 2)
	mustPublish(t, h, "user:"+bob, 1)
	b.expectSeqs("user:"+bob, 1, 2)

	// Nobody has this session: nothing closes.
	if err := h.Disconnect(context.Background(), bob, "s2"); err != nil {
		t.Fatal(err)
	}
	if err := h.Disconnect(context.Background(), alice, ""); err != nil {
		t.Fatal(err)
	}
	a2.expectSignedOut()
	a3.expectSignedOut()
	mustPublish(t, h, "user:"+bob, 2)
	b.expectSeqs("user:"+bob, 2, 3)
	mustPublish(t, h, "pins", 0)
	anon.expectSeqs("pins", 0, 1)

	if err := h.Disconnect(context.Background(), "", ""); !errors.Is(err, ErrNoUser) {
		t.Fatalf("Disconnect without a user = %v, want ErrNoUser", err)
	}
	waitFor(t, "alice's connections gone", 5*time.Second, func() bool {
		s := h.Stats()
		return s.Connections == 2 && s.Subscriptions == 2
	})
	if s := h.Stats(); s.SignedOut != 3 || s.SlowDisconnects != 0 {
		t.Fatalf("stats %+v, want 3 signed out", s)
	}
	h.mu.Lock()
	_, kept := h.users[alice]
	h.mu.Unlock()
	if kept {
		t.Fatal("alice is still indexed after her connections closed")
	}
}

// A Disconnect published on one instance closes the matching connection on
// another, through Redis; the hub subscribes the control topic at New,
// before (and without) any client subscriber.
func TestRedisDisconnectAcrossHubs(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	hX, _ := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	_, srvY := mustHubOn(t, NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler)), Config{})
	waitNumSub(t, admin, DisconnectTopic, 2)

	y1 := dialAs(t, srvY, alice, "s1")
	y2 := dialAs(t, srvY, alice, "s2")
	y1.subscribe("user:" + alice)
	y2.subscribe("user:" + alice)
	waitNumSub(t, admin, "user:"+alice, 1)

	if err := hX.Disconnect(context.Background(), alice, "s1"); err != nil {
		t.Fatal(err)
	}
	y1.expectSignedOut()
	mustPublish(t, hX, "user:"+alice, 1)
	y2.expectSeqs("user:"+alice, 1, 2)

	if err := hX.Disconnect(context.Background(), alice, ""); err != nil {
		t.Fatal(err)
	}
	y2.expectSignedOut()
}
