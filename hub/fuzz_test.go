package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
)

// FuzzClientMessage feeds arbitrary client frames (one per line of the
// input, so the fuzzer explores sequences) to a connection's handler on a
// real hub. Nothing may panic; the connection never holds more topics than
// its cap, nor a topic its user may not have; every frame queued for the
// client is one JSON object without a raw newline (the writer joins
// frames with newlines). Seeds: testdata/fuzz/FuzzClientMessage.
func FuzzClientMessage(f *testing.F) {
	f.Add([]byte(`{"type":"subscribe","topic":"pins"}`))
	f.Add([]byte(`{"type":"subscribe","topic":"user:aaaaaaaaaaaaaaaaaaaaaaaa"}` + "\n" + `{"type":"unsubscribe","topic":"user:aaaaaaaaaaaaaaaaaaaaaaaa"}`))
	f.Add([]byte(`{"type":"subscribe","topic":"user:bbbbbbbbbbbbbbbbbbbbbbbb"}`))
	f.Add([]byte(`{"type":"subscribe","topic":"pin:0123456789ABCDEF01234567"}`))
	f.Add([]byte(`{"type":"subscribe","topic":"internal:disconnect"}`))
	f.Add([]byte(`{"type":"ping"}` + "\n" + `not json` + "\n" + `{"type":"subscribe","topic":"\u2028"}`))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := New(NewMemoryBroker(), Config{Logger: logger, MaxSubscriptions: 4, MaxTopicsPerIP: 3})
		c := &conn{hub: h, user: alice, ip: "192.0.2.1", wake: make(chan struct{}, 1), ctx: context.Background(),
			done: make(chan struct{}), topics: make(map[string]struct{})}
		if err := h.register(c); err != nil {
			t.Fatal(err)
		}
		for _, frame := range bytes.Split(data, []byte{'\n'}) {
			c.handle(frame)
			if len(c.topics) > 4 {
				t.Fatalf("%d topics held, cap 4", len(c.topics))
			}
		}
		for topic := range c.topics {
			if code := checkTopic(topic, alice); code != "" {
				t.Fatalf("holds %q, which checkTopic refuses (%s)", topic, code)
			}
		}
		var batch [maxBatchMessages][]byte
		for n := c.pop(&batch); n > 0; n = c.pop(&batch) {
			for _, msg := range batch[:n] {
				var v map[string]any
				if bytes.IndexByte(msg, '\n') >= 0 || json.Unmarshal(msg, &v) != nil {
					t.Fatalf("queued frame %q is not one JSON object on one line", msg)
				}
			}
		}
		for topic := range c.topics {
			h.unsubscribe(c, topic)
		}
		h.unregister(c)
		if err := h.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
