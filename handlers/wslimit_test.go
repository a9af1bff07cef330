package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/hub"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

// Behind a trusted proxy the hub's per-address cap counts the client
// address (X-Forwarded-For, as the rate limits read it), not the proxy's.
func TestWebSocketCapCountsTheClientBehindTheProxy(t *testing.T) {
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	h := hub.New(hub.NewMemoryBroker(), hub.Config{MaxConnsPerIP: 1})
	t.Cleanup(func() { _ = h.Shutdown(context.Background()) })
	app, err := New(Config{JWTSecret: testSecret, TrustedProxies: []string{"127.0.0.1"}}, Deps{Store: s, WS: h, Publisher: h})
	if err != nil {
		t.Fatal(err)
	}
	base := listen(t, app)
	open := func(client string) (*websocket.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{
			HTTPClient: &http.Client{Transport: &http.Transport{}},
			HTTPHeader: http.Header{"X-Forwarded-For": {client}},
		})
		if err != nil {
			t.Fatalf("dial as %s: %v", client, err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","topic":"pins"}`)); err != nil {
			return c, err
		}
		_, _, err = c.Read(ctx)
		return c, err
	}
	if _, err := open("203.0.113.1"); err != nil {
		t.Fatalf("first connection of a client: %v", err)
	}
	if _, err := open("203.0.113.2"); err != nil {
		t.Fatalf("another client behind the same proxy: %v", err)
	}
	if _, err := open("203.0.113.1"); websocket.CloseStatus(err) != hub.StatusTooManyConnections {
		t.Fatalf("second connection of one client: %v, want close %d", err, hub.StatusTooManyConnections)
	}
}
