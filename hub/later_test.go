package hub

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"mypinterest/internal/redistest"
)

// TestPublishLater: a deferred message goes out before the next event, in
// the same pipeline, and on its own when no event follows.
func TestPublishLater(t *testing.T) {
	r := redistest.Start(t)
	rc := mustRedisClient(t, r.Addr)
	b := NewRedisBroker(rc, slog.New(slog.DiscardHandler))
	h, _ := mustHubOn(t, b, Config{})
	watch := mustRedisClient(t, r.Addr).Subscribe(context.Background(), "internal:cache", pinA)
	t.Cleanup(func() { _ = watch.Close() })
	if _, err := watch.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m, err := watch.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m.Channel + " " + m.Payload
	}

	b.PublishLater("internal:cache", []byte(`["pc:1"]`))
	mustPublish(t, h, pinA, 0)
	if got := next(); got != `internal:cache ["pc:1"]` {
		t.Fatalf("first: %s, want the invalidation before the event", got)
	}
	if got := next(); got[:len(pinA)] != pinA {
		t.Fatalf("second: %s, want the event", got)
	}

	b.PublishLater("internal:cache", []byte(`["pc:2"]`))
	if got := next(); got != `internal:cache ["pc:2"]` {
		t.Fatalf("alone: %s", got)
	}
}
