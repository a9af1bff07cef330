package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// A loaded test machine may take longer than production's bound to
	// answer a publish; TestRedisGuardBoundsAHungServer sets it back.
	RedisCallTimeout = time.Second
	goleak.VerifyTestMain(m)
}

// Test ids: 24 lower-case hex digits, as ObjectID.Hex gives.
const (
	alice = "aaaaaaaaaaaaaaaaaaaaaaaa"
	bob   = "bbbbbbbbbbbbbbbbbbbbbbbb"
	pinA  = "pin:0123456789abcdef01234567"
	pinB  = "pin:76543210fedcba9876543210"
)

// testUserHeader and testSessionHeader carry the user id and the session
// id in tests instead of a JWT.
const (
	testUserHeader    = "X-Test-User"
	testSessionHeader = "X-Test-Session"
)

func testAuth(r *http.Request) Identity {
	return Identity{UserID: r.Header.Get(testUserHeader), SessionID: r.Header.Get(testSessionHeader)}
}

// frameMsg is any server frame; events carry data.seq in these tests.
type frameMsg struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
	Code  string `json:"code"`
	Event string `json:"event"`
	Data  struct {
		Seq     int   `json:"seq"`
		Viewers int64 `json:"viewers"` // presence events
		Rev     int64 `json:"rev"`
	} `json:"data"`
	// Recovery (docs/LIVE.md §Recovery): events and "subscribed" carry a position.
	Offset    *uint64 `json:"offset"`
	Epoch     string  `json:"epoch"`
	Recovered *bool   `json:"recovered"`
}

// event encodes a test event frame the way handlers do: one compact line.
func event(topic string, seq int) []byte {
	return fmt.Appendf(nil, `{"type":"event","topic":%q,"event":"test","data":{"seq":%d},"ts":0}`, topic, seq)
}

// mustHub starts a hub on a memory broker behind httptest; Cleanup shuts
// both down.
func mustHub(tb testing.TB, cfg Config) (*Hub, *httptest.Server) {
	tb.Helper()
	return mustHubOn(tb, NewMemoryBroker(), cfg)
}

func mustHubOn(tb testing.TB, b Broker, cfg Config) (*Hub, *httptest.Server) {
	tb.Helper()
	if cfg.Authenticate == nil {
		cfg.Authenticate = testAuth
	}
	h := New(b, cfg)
	srv := httptest.NewServer(h)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			tb.Errorf("hub shutdown: %v", err)
		}
		srv.Close()
	})
	return h, srv
}

// client is a test WebSocket client that splits batched frames on newlines.
type client struct {
	tb      testing.TB
	ws      *websocket.Conn
	pending [][]byte
	frames  int // frames read, to observe batching
	// presence: read returns presence events too; other tests skip
	// them, as they come whenever a pin topic's viewers change.
	presence bool
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws" }

// dial connects to url with header h; the connection is closed by Cleanup.
func dial(tb testing.TB, url string, h http.Header) (*client, *http.Response, error) {
	tb.Helper()
	return dialOpts(tb, url, &websocket.DialOptions{HTTPHeader: h})
}

// dialOpts is dial with options; it supplies a private HTTP client so that
// no idle connection outlives the test.
func dialOpts(tb testing.TB, url string, opts *websocket.DialOptions) (*client, *http.Response, error) {
	tb.Helper()
	tr := &http.Transport{}
	tb.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts.HTTPClient = &http.Client{Transport: tr}
	ws, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(1 << 20)
	tb.Cleanup(func() { _ = ws.CloseNow() })
	return &client{tb: tb, ws: ws}, resp, nil
}

func mustDial(tb testing.TB, srv *httptest.Server, user string) *client {
	tb.Helper()
	h := http.Header{}
	if user != "" {
		h.Set(testUserHeader, user)
	}
	c, _, err := dial(tb, wsURL(srv), h)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	return c
}

func (c *client) send(v any) {
	c.tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.tb.Fatalf("client write: %v", err)
	}
}

// read returns the next message, reading a frame when none is pending.
func (c *client) read(ctx context.Context) (frameMsg, error) {
	for {
		for len(c.pending) == 0 {
			_, data, err := c.ws.Read(ctx)
			if err != nil {
				return frameMsg{}, err
			}
			c.frames++
			c.pending = bytes.Split(data, []byte{'\n'})
		}
		var m frameMsg
		raw := c.pending[0]
		c.pending = c.pending[1:]
		if err := json.Unmarshal(raw, &m); err != nil {
			return m, fmt.Errorf("bad line %q: %w", raw, err)
		}
		if m.Event == PresenceEvent && !c.presence {
			continue
		}
		return m, nil
	}
}

func (c *client) next() frameMsg {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := c.read(ctx)
	if err != nil {
		c.tb.Fatalf("client read: %v", err)
	}
	return m
}

// expect reads the next message and checks its type, topic and code.
func (c *client) expect(typ, topic, code string) frameMsg {
	c.tb.Helper()
	m := c.next()
	if m.Type != typ || m.Topic != topic || m.Code != code {
		c.tb.Fatalf("got %+v, want type=%q topic=%q code=%q", m, typ, topic, code)
	}
	return m
}

func (c *client) subscribe(topic string) {
	c.tb.Helper()
	c.send(clientMsg{Type: "subscribe", Topic: topic})
	c.expect("subscribed", topic, "")
}

// expectSeqs reads events seq from..to-1 on topic, in order, once each.
func (c *client) expectSeqs(topic string, from, to int) {
	c.tb.Helper()
	for want := from; want < to; want++ {
		m := c.next()
		if m.Type != "event" || m.Topic != topic || m.Data.Seq != want {
			c.tb.Fatalf("got %+v, want event %s seq %d", m, topic, want)
		}
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(tb testing.TB, what string, d time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustPublish(tb testing.TB, h *Hub, topic string, seq int) {
	tb.Helper()
	if err := h.Publish(context.Background(), topic, event(topic, seq)); err != nil {
		tb.Fatalf("publish %s %d: %v", topic, seq, err)
	}
	// Publishing only queues; wait until Redis has it, so that events
	// published in turn on two hubs reach Redis in that order.
	if rb, ok := h.broker.(*RedisBroker); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rb.Flush(ctx); err != nil {
			tb.Fatalf("flush %s %d: %v", topic, seq, err)
		}
	}
}

// newServer serves h on httptest without shutting h down in Cleanup, for
// tests that call Shutdown themselves.
func newServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// dialTinyReadBuffer connects a client whose socket receive buffer is
// pinned at 4 KiB, so that a large frame the hub writes to it blocks once
// the client stops reading. Its CloseNow runs at cleanup, before the hub's
// shutdown, and unblocks such a write.
func dialTinyReadBuffer(tb testing.TB, srv *httptest.Server) *client {
	tb.Helper()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			err = nc.(*net.TCPConn).SetReadBuffer(4096)
		}
		return nc, err
	}}
	tb.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ws.CloseNow() })
	return &client{tb: tb, ws: ws}
}
