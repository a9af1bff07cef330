package hub

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"mypinterest/internal/redistest"
)

func mustRedisClient(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// mustRedisHub starts a hub on its own RedisBroker and client.
func mustRedisHub(tb testing.TB, addr string) (*Hub, *client) {
	tb.Helper()
	rc := mustRedisClient(tb, addr)
	h, srv := mustHubOn(tb, NewRedisBroker(rc, slog.New(slog.DiscardHandler)), Config{})
	return h, mustDial(tb, srv, "")
}

// waitNumSub waits until Redis counts n subscribers on topic: the brokers'
// SUBSCRIBE commands are asynchronous to the clients' "subscribed" frames.
func waitNumSub(tb testing.TB, admin *redis.Client, topic string, n int64) {
	tb.Helper()
	waitFor(tb, topic+" subscribed in Redis", 15*time.Second, func() bool {
		m, err := admin.PubSubNumSub(context.Background(), topic).Result()
		return err == nil && m[topic] == n
	})
}

func channels(tb testing.TB, admin *redis.Client) []string {
	tb.Helper()
	ch, err := admin.PubSubChannels(context.Background(), "*").Result()
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(ch)
	return ch
}

func TestRedisFanOutAcrossHubs(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	hA, a := mustRedisHub(t, r.Addr)
	hB, b := mustRedisHub(t, r.Addr)
	a.subscribe("pins")
	b.subscribe("pins")
	b.subscribe(pinA)
	waitNumSub(t, admin, "pins", 2)
	waitNumSub(t, admin, pinA, 1)
	if got, want := channels(t, admin), []string{pinA, "pins"}; !slices.Equal(got, want) {
		t.Fatalf("PUBSUB CHANNELS = %v, want only topics with local subscribers %v", got, want)
	}

	// Published on both hubs in turn: every subscriber on either hub gets
	// each event once, in publish order.
	const n = 300
	for i := range n {
		h := hA
		if i%2 == 1 {
			h = hB
		}
		mustPublish(t, h, "pins", i)
	}
	a.expectSeqs("pins", 0, n)
	b.expectSeqs("pins", 0, n)
	mustPublish(t, hA, pinA, 0)
	b.expectSeqs(pinA, 0, 1)
	// No trailing duplicate: the next event is the next seq.
	mustPublish(t, hB, "pins", n)
	a.expectSeqs("pins", n, n+1)
	b.expectSeqs("pins", n, n+1)

	// The last local subscriber leaving unsubscribes the hub in Redis.
	b.send(clientMsg{Type: "unsubscribe", Topic: pinA})
	b.expect("unsubscribed", pinA, "")
	waitFor(t, pinA+" unsubscribed in Redis", 15*time.Second, func() bool {
		return slices.Equal(channels(t, admin), []string{"pins"})
	})
	_ = a.ws.CloseNow()
	waitNumSub(t, admin, "pins", 1)
}

func TestRedisRestart(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	hA, a := mustRedisHub(t, r.Addr)
	hB, b := mustRedisHub(t, r.Addr)
	a.subscribe("pins")
	b.subscribe("pins")
	waitNumSub(t, admin, "pins", 2)
	mustPublish(t, hA, "pins", 0)
	a.expectSeqs("pins", 0, 1)
	b.expectSeqs("pins", 0, 1)

	r.Stop()
	if err := hA.Publish(context.Background(), "pins", event("pins", -1)); err == nil {
		t.Fatal("publish succeeded while Redis was down")
	}
	if s := hA.Stats(); s.PublishErrors != 1 {
		t.Fatalf("stats %+v, want 1 publish error", s)
	}

	r.Restart(t)
	// Both brokers reconnect and re-subscribe on their own.
	waitNumSub(t, admin, "pins", 2)
	for i := 1; i <= 100; i++ {
		h := hA
		if i%2 == 0 {
			h = hB
		}
		mustPublish(t, h, "pins", i)
	}
	// The failed publish was never delivered: seq 1 comes next.
	a.expectSeqs("pins", 1, 101)
	b.expectSeqs("pins", 1, 101)
}
