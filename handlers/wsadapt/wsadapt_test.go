package wsadapt_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gofiber/fiber/v2"
	"go.uber.org/goleak"

	"mypinterest/handlers/wsadapt"
	"mypinterest/hub"
)

func TestMain(m *testing.M) {
	// fasthttp refreshes its cached Date header from a package-level
	// goroutine started once per process, and its worker pool's cleaner
	// notices a stopped server only after a 10 s sleep; neither is ours.
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"))
}

const alice = "aaaaaaaaaaaaaaaaaaaaaaaa"

// mustFiber serves a Fiber app with short timeouts and the hub at /ws on
// 127.0.0.1:0 and returns its address; Cleanup shuts both down.
func mustFiber(t *testing.T, h *hub.Hub) string {
	t.Helper()
	app := fiber.New(fiber.Config{
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		IdleTimeout:           time.Second,
		DisableStartupMessage: true,
	})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Get("/ws", wsadapt.Handler(h))
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
			t.Errorf("fiber listener: %v", err)
		}
	})
	return ln.Addr().String()
}

func dial(t *testing.T, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	opts.HTTPClient = &http.Client{Transport: tr}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, opts)
	if err == nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

type frame struct {
	Type, Topic, Code, Event string
}

// A WebSocket through the Fiber mount works and outlives Fiber's
// ReadTimeout and IdleTimeout (1 s) by exchanging messages and pings for
// 2.5 s: fasthttp clears the deadlines of a hijacked connection.
func TestWebSocketThroughFiberOutlivesTimeouts(t *testing.T) {
	h := hub.New(hub.NewMemoryBroker(), hub.Config{
		Authenticate: func(r *http.Request) hub.Identity { return hub.Identity{UserID: r.Header.Get("X-User")} },
		PingInterval: 300 * time.Millisecond,
	})
	addr := mustFiber(t, h)

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()

	var serverPings atomic.Int32
	c, _, err := dial(t, "ws://"+addr+"/ws", &websocket.DialOptions{
		HTTPHeader:     http.Header{"X-User": {alice}},
		OnPingReceived: func(context.Context, []byte) bool { serverPings.Add(1); return true },
	})
	if err != nil {
		t.Fatalf("dial through Fiber: %v", err)
	}
	// One reader goroutine, so that pongs to the client's pings are read.
	frames := make(chan frame, 16)
	go func() {
		defer close(frames)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			// A frame may batch messages, one per line.
			for _, line := range bytes.Split(b, []byte{'\n'}) {
				var f frame
				_ = json.Unmarshal(line, &f)
				if f.Event == "presence" {
					continue // pin topics' viewer counts come on their own
				}
				frames <- f
			}
		}
	}()
	next := func() frame {
		t.Helper()
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatal("connection closed")
			}
			return f
		case <-time.After(10 * time.Second):
			t.Fatal("no frame within 10s")
		}
		return frame{}
	}
	exchange := func(topic string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","topic":"`+topic+`"}`)); err != nil {
			t.Fatalf("write: %v", err)
		}
		if f := next(); f.Type != "subscribed" || f.Topic != topic {
			t.Fatalf("got %+v, want subscribed %s", f, topic)
		}
		if err := h.Publish(ctx, topic, []byte(`{"type":"event","topic":"`+topic+`"}`)); err != nil {
			t.Fatal(err)
		}
		if f := next(); f.Type != "event" || f.Topic != topic {
			t.Fatalf("got %+v, want event on %s", f, topic)
		}
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("client ping: %v", err)
		}
	}
	start := time.Now()
	exchange("user:" + alice) // the request headers reached Authenticate

	// Keep exchanging, one exchange after each server ping, until 2.5 s
	// have passed: more than twice the ReadTimeout and IdleTimeout.
	topics := []string{"pins", "pin:0123456789abcdef01234567", "profile:" + alice}
	for i := 0; time.Since(start) < 2500*time.Millisecond; i++ {
		seen := serverPings.Load()
		deadline := time.Now().Add(5 * time.Second)
		for serverPings.Load() == seen {
			if time.Now().After(deadline) {
				t.Fatalf("no server ping within 5s after %v", time.Since(start))
			}
			time.Sleep(10 * time.Millisecond)
		}
		exchange(topics[i%len(topics)])
	}
	if n := serverPings.Load(); n < 5 {
		t.Fatalf("%d server pings in %v, want at least 5", n, time.Since(start))
	}
}

func TestForeignOriginRefusedThroughFiber(t *testing.T) {
	h := hub.New(hub.NewMemoryBroker(), hub.Config{AllowedOrigins: []string{"https://app.example.com"}})
	addr := mustFiber(t, h)
	tests := []struct {
		name, origin string
		status       int
	}{
		{"foreign", "https://evil.example.net", http.StatusForbidden},
		{"allowed", "https://app.example.com", http.StatusSwitchingProtocols},
		{"own host", "http://" + addr, http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := dial(t, "ws://"+addr+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {tt.origin}}})
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.Body != nil {
				_ = resp.Body.Close()
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.status, err)
			}
		})
	}
}

// The handshake bytes on the wire: the 101 status line and the accept key
// that websocket.Accept set, written by the wrapper on the hijacked
// connection (the adaptor alone never sends them).
func TestHandshakeWritesSwitchingProtocols(t *testing.T) {
	h := hub.New(hub.NewMemoryBroker(), hub.Config{})
	addr := mustFiber(t, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the handshake response: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %q", resp.Status)
	}
	// RFC 6455 §1.3's example key and answer.
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("Sec-WebSocket-Accept %q", got)
	}
	if got := resp.Header.Get("Upgrade"); got != "websocket" {
		t.Fatalf("Upgrade %q", got)
	}
}

// subscribeTo opens a WebSocket through the Fiber mount, subscribes to
// topic and waits for the ack, so that the hub has registered it.
func subscribeTo(t *testing.T, addr, topic string) *websocket.Conn {
	t.Helper()
	c, _, err := dial(t, "ws://"+addr+"/ws", &websocket.DialOptions{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","topic":"`+topic+`"}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for the ack: %v", err)
		}
		var f frame
		_ = json.Unmarshal(b, &f)
		if f.Type == "subscribed" {
			return c
		}
	}
}

// serverGoroutines counts the goroutines that serve WebSockets: those with
// the hub's ServeHTTP (its reader and writer) or fasthttp's net/http
// adaptor on their stack.
func serverGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "mypinterest/hub.(*Hub).ServeHTTP") || strings.Contains(g, "fasthttpadaptor") {
			count++
		}
	}
	return count
}

// An idle WebSocket through Fiber costs two goroutines, the hub's reader
// (fasthttp's hijack goroutine itself) and its writer: none waits in the
// adaptor for the connection to end (docs/FANOUT.md, "Memory per
// connection").
func TestIdleWebSocketCostsTwoGoroutines(t *testing.T) {
	h := hub.New(hub.NewMemoryBroker(), hub.Config{})
	addr := mustFiber(t, h)
	const n = 10
	for range n {
		subscribeTo(t, addr, "pins")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := serverGoroutines()
		if got == 2*n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections have %d server goroutines, want %d", n, got, 2*n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Frames of every header size reach the client whole and in order: the
// hub's write buffer is 16 bytes, and frameWriter completes each frame
// that does not fit with one writev. The sizes straddle the buffer and
// the 7-, 16- and 64-bit payload lengths.
func TestFramesOfEverySizeThroughFiber(t *testing.T) {
	h := hub.New(hub.NewMemoryBroker(), hub.Config{})
	addr := mustFiber(t, h)
	c := subscribeTo(t, addr, "pins")
	c.SetReadLimit(1 << 20)
	sizes := []int{0, 1, 5, 13, 14, 15, 16, 17, 100, 125, 126, 127, 4096, 65535, 65536, 200000}
	var want []string
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, n := range sizes {
		msg := `{"type":"event","topic":"pins","pad":"` + strings.Repeat("x", n) + `"}`
		want = append(want, msg)
		if err := h.PublishVolatile(ctx, "pins", []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for len(got) < len(want) {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", len(got), len(want), err)
		}
		for _, line := range bytes.Split(b, []byte{'\n'}) {
			got = append(got, string(line))
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("message %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
}

// A request to the WebSocket path that the hub refuses is answered as a
// plain HTTP response: a handshake refused after the hand-over (here a
// foreign origin) with the headers the Fiber middleware had set, and a
// request that is no handshake through the adaptor.
func TestRefusalsAreHTTPResponses(t *testing.T) {
	h := hub.New(hub.NewMemoryBroker(), hub.Config{AllowedOrigins: []string{"https://app.example.com"}})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		c.Set("X-Request-Id", "req-1")
		return c.Next()
	})
	app.Get("/ws", wsadapt.Handler(h))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() {
		_ = h.Shutdown(context.Background())
		_ = app.Shutdown()
	})
	addr := ln.Addr().String()

	send := func(req string) *http.Response {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("reading the response: %v", err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	handshake := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

	resp := send(handshake + "Origin: https://evil.example.net\r\n\r\n")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !resp.Close || len(body) == 0 ||
		resp.ContentLength != int64(len(body)) || resp.Header.Get("X-Request-Id") != "req-1" {
		t.Fatalf("foreign origin: %s, close %v, length %d, body %q, headers %v",
			resp.Status, resp.Close, resp.ContentLength, body, resp.Header)
	}

	resp = send("GET /ws HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUpgradeRequired || resp.Header.Get("X-Request-Id") != "req-1" || len(body) == 0 {
		t.Fatalf("plain GET: %s, body %q, headers %v", resp.Status, body, resp.Header)
	}
}
