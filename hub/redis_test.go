package hub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
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
	if got, want := channels(t, admin), []string{DisconnectTopic, pinA, "pins"}; !slices.Equal(got, want) {
		t.Fatalf("PUBSUB CHANNELS = %v, want only topics with local subscribers (and the hub's own) %v", got, want)
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
		return slices.Equal(channels(t, admin), []string{DisconnectTopic, "pins"})
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
	// A publish is queued, then dropped once the publisher finds Redis
	// down; from then on publishes are refused at once.
	waitFor(t, "a refused publish", 10*time.Second, func() bool {
		return hA.Publish(context.Background(), "pins", event("pins", -1)) != nil
	})
	if s := hA.Stats(); s.PublishErrors < 1 {
		t.Fatalf("stats %+v, want publish errors", s)
	}

	r.Restart(t)
	// Both brokers reconnect and re-subscribe on their own.
	waitNumSub(t, admin, "pins", 2)
	waitFor(t, "publishing again", 10*time.Second, func() bool {
		return hA.PublishVolatile(context.Background(), "other", []byte(`{}`)) == nil &&
			hB.PublishVolatile(context.Background(), "other", []byte(`{}`)) == nil
	})
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

// mustRedisBrokerHub is mustRedisHub with a configured broker, returned too.
func mustRedisBrokerHub(tb testing.TB, addr string, timeout time.Duration) (*Hub, *RedisBroker, *client) {
	tb.Helper()
	b := NewRedisBroker(mustRedisClient(tb, addr), slog.New(slog.DiscardHandler))
	b.SubscribeTimeout = timeout
	h, srv := mustHubOn(tb, b, Config{})
	return h, b, mustDial(tb, srv, "")
}

// TestRedisSubscribedMeansSubscribed publishes from another instance the
// moment "subscribed" arrives: the ack must not precede Redis's SUBSCRIBE,
// or the event can be missed. Every other round re-subscribes the topic just
// dropped, so SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE of one channel follow each
// other and only the last confirmation may count.
//
// Hub B reaches Redis through a proxy that delays its commands, the way a
// busier network would: an ack sent before Redis confirms then reliably
// beats B's SUBSCRIBE, while A publishes directly.
func TestRedisSubscribedMeansSubscribed(t *testing.T) {
	r := redistest.Start(t)
	hA, _ := mustRedisHub(t, r.Addr)
	_, b := mustRedisHub(t, delayProxy(t, r.Addr, 5*time.Millisecond))
	const rounds = 200
	topic := ""
	for i := range rounds {
		if i%2 == 0 {
			topic = fmt.Sprintf("pin:%024x", i)
		}
		b.subscribe(topic)
		mustPublish(t, hA, topic, i)
		b.expectSeqs(topic, i, i+1)
		b.send(clientMsg{Type: "unsubscribe", Topic: topic})
		b.expect("unsubscribed", topic, "")
	}
}

// TestRedisSubscribeUnavailable: while Redis is down, a new subscription is
// answered "unavailable" within the broker's timeout and leaves no
// reference behind, even for a topic the previous session had confirmed;
// once Redis is back, the same client's retry succeeds.
func TestRedisSubscribeUnavailable(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	const timeout = 300 * time.Millisecond
	h, br, a := mustRedisBrokerHub(t, r.Addr, timeout)
	a.subscribe("pins")

	r.Stop()
	waitFor(t, "the broker to notice Redis is gone", 5*time.Second, func() bool {
		br.mu.Lock()
		defer br.mu.Unlock()
		return !br.live
	})
	for _, topic := range []string{pinA, "pins"} {
		c := a
		if topic == "pins" {
			c = mustDial(t, newServer(t, h), "") // a second subscriber of a once-confirmed topic
		}
		start := time.Now()
		c.send(clientMsg{Type: "subscribe", Topic: topic})
		c.expect("error", topic, CodeUnavailable)
		if d := time.Since(start); d < timeout || d > timeout+2*time.Second {
			t.Fatalf("%s: unavailable after %v, want about %v", topic, d, timeout)
		}
	}
	br.mu.Lock()
	refs := br.topics["pins"].refs
	_, hasPinA := br.topics[pinA]
	br.mu.Unlock()
	if refs != 1 || hasPinA {
		t.Fatalf("after the failures: pins refs %d (want 1), %s kept %v (want false)", refs, pinA, hasPinA)
	}

	r.Restart(t)
	waitNumSub(t, admin, "pins", 1)
	a.subscribe(pinA)
	mustPublish(t, h, pinA, 0)
	a.expectSeqs(pinA, 0, 1)
	if got, want := channels(t, admin), []string{DisconnectTopic, pinA, "pins"}; !slices.Equal(got, want) {
		t.Fatalf("PUBSUB CHANNELS = %v, want %v", got, want)
	}
}

// TestRedisSubscribeBeforeStart: an instance subscribes internal topics
// before the hub starts the broker; that must neither wait nor be lost.
func TestRedisSubscribeBeforeStart(t *testing.T) {
	r := redistest.Start(t)
	admin := mustRedisClient(t, r.Addr)
	b := NewRedisBroker(mustRedisClient(t, r.Addr), slog.New(slog.DiscardHandler))
	start := time.Now()
	if err := b.Subscribe("internal:test"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Subscribe before Start waited %v", d)
	}
	mustHubOn(t, b, Config{})
	waitNumSub(t, admin, "internal:test", 1)
}

// delayProxy forwards TCP connections to addr, holding every chunk the
// client sends for delay before passing it on (replies are not delayed). It
// returns its own address; Cleanup closes it and every connection.
func delayProxy(tb testing.TB, addr string, delay time.Duration) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	tb.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	type chunk struct {
		due  time.Time
		data []byte
	}
	wg.Go(func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				_ = in.Close()
				continue
			}
			track(in)
			track(out)
			q := make(chan chunk, 1024)
			wg.Go(func() { // client → queue
				defer close(q)
				for {
					buf := make([]byte, 32<<10)
					n, err := in.Read(buf)
					if n > 0 {
						q <- chunk{time.Now().Add(delay), buf[:n]}
					}
					if err != nil {
						return
					}
				}
			})
			wg.Go(func() { // queue → server, each chunk at its due time
				defer out.Close()
				for c := range q {
					time.Sleep(time.Until(c.due))
					if _, err := out.Write(c.data); err != nil {
						_ = in.Close()
						return
					}
				}
			})
			wg.Go(func() { // server → client, undelayed
				defer in.Close()
				_, _ = io.Copy(in, out)
			})
		}
	})
	return ln.Addr().String()
}
