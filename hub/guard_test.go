package hub

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A server that accepts connections and never answers (a SIGSTOPped Redis
// looks like this): each guarded call gives up within RedisCallTimeout,
// whatever the client's own timeouts, and once the breaker opens calls
// fail at once.
func TestRedisGuardBoundsAHungServer(t *testing.T) {
	defer func(d time.Duration) { RedisCallTimeout = d }(RedisCallTimeout)
	RedisCallTimeout = 100 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	client := redis.NewClient(&redis.Options{Addr: ln.Addr().String()}) // 3 s reads, 3 retries
	defer client.Close()
	g := GuardFor(client)
	if GuardFor(client) != g {
		t.Fatal("two guards for one client")
	}
	ping := func() (time.Duration, error) {
		start := time.Now()
		err := g.Do(context.Background(), func(ctx context.Context) error { return client.Ping(ctx).Err() })
		return time.Since(start), err
	}
	for i := range int(redisTripAfter) {
		d, err := ping()
		if err != ErrRedisUnavailable || d > RedisCallTimeout+200*time.Millisecond {
			t.Fatalf("call %d: %v after %v; want ErrRedisUnavailable within about %v", i, err, d, RedisCallTimeout)
		}
	}
	if !g.Open() {
		t.Fatal("the breaker did not open")
	}
	if d, err := ping(); err != ErrRedisUnavailable || d > 10*time.Millisecond {
		t.Fatalf("open breaker: %v after %v; want an immediate ErrRedisUnavailable", err, d)
	}
}
