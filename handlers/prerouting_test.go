package handlers

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// listen serves app on a loopback port until the test ends and returns
// its base URL (app.Test cannot show errors raised before routing: it
// returns them instead of the response).
func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = app.ShutdownWithContext(ctx)
		<-served
	})
	return "http://" + ln.Addr().String()
}

// Errors fasthttp raises before any route runs (a header over the read
// buffer, a multipart body that ends early) leave in the JSON envelope
// under /api/, like every other API error, not as an HTML page.
func TestPreRoutingErrorsAreJSON(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	base := listen(t, e.app)
	truncated := "--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\x89PNG"
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
	}{
		{"huge header", "GET", "/api/v1/pins", "", map[string]string{"X-Big": strings.Repeat("a", 20<<10)}, http.StatusRequestHeaderFieldsTooLarge},
		{"truncated multipart", "POST", "/api/v1/pins", truncated,
			map[string]string{"Content-Type": "multipart/form-data; boundary=b", "Authorization": "Bearer " + u.token}, http.StatusBadRequest},
		{"a few KiB of header are fine", "GET", "/api/v1/pins", "", map[string]string{"X-Big": strings.Repeat("a", 5<<10)}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", res.StatusCode, tc.status, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q: %.300s", ct, body)
			}
			if tc.status == http.StatusOK {
				return
			}
			var env errorBody
			if err := json.Unmarshal(body, &env); err != nil || env.Error.Code != "malformed" {
				t.Errorf("body %s (%v), want the envelope with code malformed", body, err)
			}
		})
	}
}
