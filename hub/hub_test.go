package hub

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestOrderPerTopic(t *testing.T) {
	h, srv := mustHub(t, Config{SendQueue: 2048})
	clients := []*client{mustDial(t, srv, ""), mustDial(t, srv, alice), mustDial(t, srv, "")}
	for _, c := range clients {
		c.subscribe("pins")
		c.subscribe(pinA)
	}
	const n = 1000
	for i := range n {
		mustPublish(t, h, "pins", i)
	}
	for _, c := range clients {
		c.expectSeqs("pins", 0, n)
	}
	// Nothing else was queued: a pin event arrives next, not a duplicate.
	mustPublish(t, h, pinA, 0)
	for _, c := range clients {
		c.expectSeqs(pinA, 0, 1)
	}
	if s := h.Stats(); s.Published != n+1 || s.Delivered < 3*(n+1) || s.Dropped != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBatchedFramesSplitOnNewlines(t *testing.T) {
	h, srv := mustHub(t, Config{SendQueue: 4096})
	c := mustDial(t, srv, "")
	c.subscribe("pins")
	// Publishing is an enqueue, far faster than a frame write, so messages
	// pile up and the writer batches them.
	const n = 3000
	for i := range n {
		mustPublish(t, h, "pins", i)
	}
	c.expectSeqs("pins", 0, n)
	if c.frames >= n {
		t.Fatalf("%d messages came in %d frames: no batching", n, c.frames)
	}
	if min := (n + maxBatchMessages - 1) / maxBatchMessages; c.frames < min {
		t.Fatalf("%d frames for %d messages: more than %d per frame", c.frames, n, maxBatchMessages)
	}
}

func TestUnsubscribeStopsDelivery(t *testing.T) {
	h, srv := mustHub(t, Config{})
	c := mustDial(t, srv, "")
	c.subscribe("pins")
	c.subscribe(pinA)
	mustPublish(t, h, "pins", 0)
	c.expectSeqs("pins", 0, 1)

	c.send(clientMsg{Type: "unsubscribe", Topic: "pins"})
	c.expect("unsubscribed", "pins", "")
	mustPublish(t, h, "pins", 1)
	mustPublish(t, h, pinA, 7) // a marker: it must be the next thing read
	if m := c.next(); m.Topic != pinA || m.Data.Seq != 7 {
		t.Fatalf("got %+v after unsubscribe, want the %s marker", m, pinA)
	}
	waitFor(t, "subscription count 1", 5*time.Second, func() bool { return h.Stats().Subscriptions == 1 })
}

func TestTopicRules(t *testing.T) {
	_, srv := mustHub(t, Config{})
	tests := []struct {
		name, user, topic, code string
	}{
		{"pins", "", "pins", ""},
		{"pin", "", pinA, ""},
		{"profile", "", "profile:" + bob, ""},
		{"own user topic", alice, "user:" + alice, ""},
		{"anonymous user topic", "", "user:" + alice, CodeForbidden},
		{"foreign user topic", bob, "user:" + alice, CodeForbidden},
		{"unknown kind", "", "board:" + alice, CodeBadTopic},
		{"short id", "", "pin:abc", CodeBadTopic},
		{"upper-case id", "", "pin:" + strings.ToUpper(alice), CodeBadTopic},
		{"no id", "", "pin", CodeBadTopic},
		{"empty", "", "", CodeBadTopic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustDial(t, srv, tt.user)
			c.send(clientMsg{Type: "subscribe", Topic: tt.topic})
			if tt.code == "" {
				c.expect("subscribed", tt.topic, "")
			} else {
				c.expect("error", tt.topic, tt.code)
			}
		})
	}
}

func TestBadRequestKeepsConnection(t *testing.T) {
	h, srv := mustHub(t, Config{})
	c := mustDial(t, srv, "")
	c.sendRaw([]byte(`{"type":`))
	c.expect("error", "", CodeBadRequest)
	c.send(clientMsg{Type: "dance", Topic: "pins"})
	c.expect("error", "pins", CodeBadRequest)
	c.subscribe("pins")
	mustPublish(t, h, "pins", 0)
	c.expectSeqs("pins", 0, 1)
}

func TestSubscriptionCap(t *testing.T) {
	_, srv := mustHub(t, Config{MaxSubscriptions: 2})
	c := mustDial(t, srv, "")
	c.subscribe("pins")
	c.subscribe(pinA)
	c.subscribe(pinA) // already subscribed: acknowledged, not counted again
	c.send(clientMsg{Type: "subscribe", Topic: pinB})
	c.expect("error", pinB, CodeTooManySubscriptions)
	c.send(clientMsg{Type: "unsubscribe", Topic: "pins"})
	c.expect("unsubscribed", "pins", "")
	c.subscribe(pinB)
}

func TestOrigin(t *testing.T) {
	_, srv := mustHub(t, Config{AllowedOrigins: []string{"https://app.example.com"}})
	own := srv.URL // http://127.0.0.1:port: the request's own host
	tests := []struct {
		name, origin string
		status       int
	}{
		{"no origin (non-browser)", "", http.StatusSwitchingProtocols},
		{"own origin", own, http.StatusSwitchingProtocols},
		{"allowed origin", "https://app.example.com", http.StatusSwitchingProtocols},
		{"foreign origin", "https://evil.example.net", http.StatusForbidden},
		{"allowed host, other port", "https://app.example.com:8443", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			_, resp, err := dial(t, wsURL(srv), h)
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.Body != nil {
				_ = resp.Body.Close()
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (err %v)", resp.StatusCode, tt.status, err)
			}
		})
	}
}

func TestOversizedFrameClosesOnlyThatConnection(t *testing.T) {
	h, srv := mustHub(t, Config{ReadLimit: 512})
	bad, good := mustDial(t, srv, ""), mustDial(t, srv, "")
	bad.subscribe("pins")
	good.subscribe("pins")
	bad.sendRaw([]byte(`{"type":"subscribe","topic":"` + strings.Repeat("x", 1024) + `"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, err := bad.read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
			t.Fatalf("oversized frame: close status %v (%v), want StatusMessageTooBig", got, err)
		}
		break
	}
	mustPublish(t, h, "pins", 0)
	good.expectSeqs("pins", 0, 1)
	waitFor(t, "one connection left", 5*time.Second, func() bool { return h.Stats().Connections == 1 })
}

func TestShutdownSendsGoingAway(t *testing.T) {
	h := New(NewMemoryBroker(), Config{})
	srv := newServer(t, h)
	clients := []*client{mustDial(t, srv, ""), mustDial(t, srv, bob)}
	for _, c := range clients {
		c.subscribe("pins")
	}
	errs := make(chan error, len(clients))
	for _, c := range clients {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for {
				if _, err := c.read(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	t.Logf("shutdown took %v", time.Since(start))
	for range clients {
		if err := <-errs; websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("client saw %v, want StatusGoingAway", err)
		}
	}
	if n := h.Stats().Connections; n != 0 {
		t.Fatalf("%d connections after shutdown", n)
	}
	// New connections are refused once shutting down.
	if _, resp, err := dial(t, wsURL(srv), nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v", err)
	}
	if err := h.Publish(context.Background(), "pins", event("pins", 0)); !errors.Is(err, ErrBrokerClosed) {
		t.Fatalf("publish after shutdown: %v, want ErrBrokerClosed", err)
	}
}

func TestPublishRejectsNewline(t *testing.T) {
	h, _ := mustHub(t, Config{})
	if err := h.Publish(context.Background(), "pins", []byte("{}\n{}")); !errors.Is(err, ErrNewline) {
		t.Fatalf("got %v, want ErrNewline", err)
	}
}
