package hub

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// One address gets MaxConnsPerIP connections; the next is closed with
// StatusTooManyConnections; another address is unaffected, and a freed
// slot can be used again.
func TestConnectionsPerIPAreCapped(t *testing.T) {
	fromHeader := func(r *http.Request) string { return r.Header.Get("X-Test-IP") }
	h, srv := mustHub(t, Config{MaxConnsPerIP: 3, ClientIP: fromHeader})
	dialFrom := func(ip string) *client {
		t.Helper()
		c, _, err := dial(t, wsURL(srv), http.Header{"X-Test-IP": {ip}})
		if err != nil {
			t.Fatalf("dial from %s: %v", ip, err)
		}
		return c
	}
	var held []*client
	for range 3 {
		c := dialFrom("203.0.113.1")
		c.subscribe("pins") // proves it is open and served
		held = append(held, c)
	}
	over := dialFrom("203.0.113.1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err := over.ws.Read(ctx)
	if got := websocket.CloseStatus(err); got != StatusTooManyConnections {
		t.Fatalf("connection over the cap: %v (status %d), want close %d", err, got, StatusTooManyConnections)
	}
	dialFrom("198.51.100.9").subscribe("pins")

	_ = held[0].ws.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "the slot to free", 5*time.Second, func() bool { return h.Stats().Connections == 3 })
	dialFrom("203.0.113.1").subscribe("pins")
}

// The connections of one address may hold at most MaxTopicsPerIP distinct
// topics together (each may cost a broker channel); topics it already
// holds are free, and unsubscribing gives room back.
func TestTopicsPerIPAreCapped(t *testing.T) {
	_, srv := mustHub(t, Config{MaxTopicsPerIP: 4})
	a, b := mustDial(t, srv, ""), mustDial(t, srv, "")
	topic := func(i int) string { return fmt.Sprintf("pin:%024x", i) }
	for i := range 4 {
		a.subscribe(topic(i))
	}
	b.subscribe(topic(0)) // held already by the address: free
	b.send(clientMsg{Type: "subscribe", Topic: topic(4)})
	b.expect("error", topic(4), CodeTooManyTopics)
	a.send(clientMsg{Type: "subscribe", Topic: topic(5)})
	a.expect("error", topic(5), CodeTooManyTopics)

	a.send(clientMsg{Type: "unsubscribe", Topic: topic(1)})
	a.expect("unsubscribed", topic(1), "")
	b.subscribe(topic(4))
}

// A negative cap is no cap (benchmarks with thousands of loopback clients).
func TestNegativeCapsAreOff(t *testing.T) {
	_, srv := mustHub(t, Config{MaxConnsPerIP: -1, MaxTopicsPerIP: -1})
	for range DefaultMaxConnsPerIP + 1 {
		mustDial(t, srv, "").subscribe("pins")
	}
}
