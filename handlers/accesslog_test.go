package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// logBuffer collects JSON log lines; the app writes from its handler
// goroutines while the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines decodes every line written so far.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, raw := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, raw)
		}
		out = append(out, m)
	}
	return out
}

// find returns the lines with msg and request_id id.
func (b *logBuffer) find(t *testing.T, msg, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range b.lines(t) {
		if l["msg"] == msg && l["request_id"] == id {
			out = append(out, l)
		}
	}
	return out
}

func TestAccessLog(t *testing.T) {
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnvDeps(t, func(d *Deps) { d.Logger = logger })
	// A route that fails the way a store outage would, to check that the
	// error handler's line and the access line share the request id.
	e.app.Get("/api/v1/test/boom", func(*fiber.Ctx) error { return errors.New("database on fire") })
	u := e.signup()
	missing := bson.NewObjectID().Hex()

	for _, c := range []struct {
		name   string
		r      req
		status int
		route  string
		level  string
	}{
		{"probe at debug", req{method: "GET", path: "/healthz"}, 200, "/healthz", "DEBUG"},
		{"API call", req{method: "GET", path: "/api/v1/me", token: u.token}, 200, "/api/v1/me", "INFO"},
		{"pin not found", req{method: "GET", path: "/api/v1/pins/" + missing}, 404, "/api/v1/pins/:id", "INFO"},
		{"unknown page", req{method: "GET", path: "/no/such/page"}, 404, unmatchedRoute, "INFO"},
		{"internal error", req{method: "GET", path: "/api/v1/test/boom"}, 500, "/api/v1/test/boom", "INFO"},
		{"client-chosen id", req{method: "GET", path: "/healthz",
			header: map[string]string{fiber.HeaderXRequestID: "trace-from-the-proxy"}}, 200, "/healthz", "DEBUG"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.with(t).must(c.status, c.r)
			id := r.header.Get(fiber.HeaderXRequestID)
			if id == "" {
				t.Fatal("no X-Request-ID on the response")
			}
			if want := c.r.header[fiber.HeaderXRequestID]; want != "" && id != want {
				t.Errorf("X-Request-ID = %q, want the client's %q", id, want)
			}
			lines := logs.find(t, "request", id)
			if len(lines) != 1 {
				t.Fatalf("%d access lines with request_id %q, want 1", len(lines), id)
			}
			l := lines[0]
			want := map[string]any{
				"level": c.level, "method": c.r.method, "route": c.route, "path": c.r.path,
				"status": float64(c.status), "bytes": float64(len(r.body)), "ip": "0.0.0.0",
			}
			for k, v := range want {
				if l[k] != v {
					t.Errorf("%s = %v (%T), want %v", k, l[k], l[k], v)
				}
			}
			if d, ok := l["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("duration_ms = %v", l["duration_ms"])
			}
			if c.status == http.StatusInternalServerError {
				if errs := logs.find(t, "internal error", id); len(errs) != 1 {
					t.Errorf("internal error lines with the request id: %d, want 1", len(errs))
				}
				if e := r.errCode(t); e != "internal" {
					t.Errorf("error code = %q", e)
				}
			}
		})
	}
}

func TestAccessLogLevels(t *testing.T) {
	for _, c := range []struct {
		path   string
		status int
		want   slog.Level
	}{
		{"/healthz", 200, slog.LevelDebug},
		{"/readyz", 503, slog.LevelInfo},
		{"/metrics", 200, slog.LevelDebug},
		{"/static/v/abc/app.js", 200, slog.LevelDebug},
		{"/media/k/thumb.webp", 304, slog.LevelDebug},
		{"/media/k/thumb.webp", 500, slog.LevelInfo},
		{"/healthzz", 404, slog.LevelInfo},
		{"/", 200, slog.LevelInfo},
		{"/api/v1/pins", 200, slog.LevelInfo},
	} {
		if got := accessLevel(c.path, c.status); got != c.want {
			t.Errorf("accessLevel(%q, %d) = %v, want %v", c.path, c.status, got, c.want)
		}
	}
}
