//go:build linux

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type seenRequest struct {
	Host, RealIP, ForwardedFor, Proto, RequestID, Connection string
}

// TestNginxProxiesToUpstream runs the repository's nginx.conf in front of an
// httptest upstream and checks what production relies on: forwarded client
// address and request id, security headers, gzip, WebSocket upgrade, the
// media cache, static caching headers, the body size limit and the auth
// rate limit.
func TestNginxProxiesToUpstream(t *testing.T) {
	var mediaHits, authHits atomic.Int64
	bigJSON := `{"items":[` + strings.Repeat(`{"title":"pin","content":"text"},`, 200) + `{}]}`
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		// The app's own copy must not reach the client next to Nginx's.
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		json.NewEncoder(w).Encode(seenRequest{
			Host: r.Host, RealIP: r.Header.Get("X-Real-IP"), ForwardedFor: r.Header.Get("X-Forwarded-For"),
			Proto: r.Header.Get("X-Forwarded-Proto"), RequestID: r.Header.Get("X-Request-ID"),
			Connection: r.Header.Get("Connection"),
		})
	})
	mux.HandleFunc("/api/v1/pins", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, bigJSON)
			return
		}
		fmt.Fprintf(w, `{"received":%d}`, n)
	})
	mux.HandleFunc("/api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		authHits.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/media/", func(w http.ResponseWriter, r *http.Request) {
		mediaHits.Add(1)
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write([]byte("not really a jpeg"))
	})
	mux.HandleFunc("/static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "no-cache")
		io.WriteString(w, "console.log(1)")
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte("echo:"), msg...)); err != nil {
				return
			}
		}
	})
	upstream := httptest.NewServer(mux)
	defer upstream.Close()

	addr := StartNginx(t, []string{upstream.Listener.Addr().String()})
	base := "http://" + addr
	// No transparent gzip: the test looks at Content-Encoding itself.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	get := func(path string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("forwarding and security headers", func(t *testing.T) {
		resp := get("/echo", "X-Forwarded-For", "203.0.113.7")
		var seen seenRequest
		if err := json.NewDecoder(resp.Body).Decode(&seen); err != nil {
			t.Fatal(err)
		}
		if seen.RealIP != "127.0.0.1" {
			t.Errorf("X-Real-IP = %q, want 127.0.0.1", seen.RealIP)
		}
		if seen.ForwardedFor != "203.0.113.7, 127.0.0.1" {
			t.Errorf("X-Forwarded-For = %q, want the client's chain plus 127.0.0.1", seen.ForwardedFor)
		}
		if seen.Proto != "http" {
			t.Errorf("X-Forwarded-Proto = %q", seen.Proto)
		}
		if seen.Host != addr {
			t.Errorf("Host = %q, want %q (with the port, for Origin checks)", seen.Host, addr)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(seen.RequestID) {
			t.Errorf("X-Request-ID = %q, want Nginx's $request_id", seen.RequestID)
		}
		if seen.Connection != "" {
			t.Errorf("plain requests must not send Connection upstream (keepalive), got %q", seen.Connection)
		}
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
		} {
			if got := resp.Header.Values(h); len(got) != 1 || got[0] != want {
				t.Errorf("%s = %q, want exactly [%s]", h, got, want)
			}
		}
		if s := resp.Header.Get("Server"); s != "nginx" {
			t.Errorf("Server = %q, want the bare name (server_tokens off)", s)
		}

		resp = get("/echo", "X-Request-ID", "from-the-client-42")
		seen = seenRequest{}
		json.NewDecoder(resp.Body).Decode(&seen)
		if seen.RequestID != "from-the-client-42" {
			t.Errorf("a caller's X-Request-ID must pass through, upstream saw %q", seen.RequestID)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		resp := get("/api/v1/pins", "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("JSON was not gzipped: %v", resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if string(body) != bigJSON {
			t.Error("gzipped body differs from the upstream's")
		}
	})

	t.Run("websocket", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
		if err != nil {
			t.Fatalf("WebSocket through nginx: %v", err)
		}
		defer c.CloseNow()
		for _, msg := range []string{"one", "two"} {
			if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			_, got, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "echo:"+msg {
				t.Errorf("got %q", got)
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
	})

	t.Run("media cache", func(t *testing.T) {
		before := mediaHits.Load()
		var statuses []string
		for range 3 {
			resp := get("/media/abc123/thumb.jpg")
			io.Copy(io.Discard, resp.Body)
			statuses = append(statuses, resp.Header.Get("X-Cache-Status"))
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("cached media lost the security headers")
			}
		}
		if n := mediaHits.Load() - before; n != 1 {
			t.Errorf("upstream saw %d media requests for one image, want 1 (statuses %v)", n, statuses)
		}
		if statuses[2] != "HIT" {
			t.Errorf("X-Cache-Status = %v, want a HIT at the end", statuses)
		}
	})

	t.Run("static cache headers", func(t *testing.T) {
		resp := get("/static/app.js")
		if cc := resp.Header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "max-age=604800" {
			t.Errorf("Cache-Control = %q, want [max-age=604800]", cc)
		}
	})

	t.Run("body size", func(t *testing.T) {
		post := func(n int) int {
			resp, err := client.Post(base+"/api/v1/pins", "application/octet-stream", bytes.NewReader(make([]byte, n)))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		if s := post(10<<20 + 64<<10); s != http.StatusOK {
			t.Errorf("a 10 MiB upload plus form overhead got %d", s)
		}
		if s := post(12 << 20); s != http.StatusRequestEntityTooLarge {
			t.Errorf("a 12 MiB upload got %d, want 413", s)
		}
	})

	t.Run("auth rate limit", func(t *testing.T) {
		counts := burstLogin(t, client, base, 40)
		if counts[http.StatusTooManyRequests] == 0 || counts[http.StatusOK] < 20 {
			t.Errorf("40 quick logins from one address: %v, want ≥ 20 OK then 429s", counts)
		}
		// Only the auth endpoints are limited.
		if resp := get("/echo"); resp.StatusCode != http.StatusOK {
			t.Errorf("/echo after the auth burst: %d", resp.StatusCode)
		}
	})

	t.Run("auth rate limit off", func(t *testing.T) {
		addr := StartNginxWithOptions(t, NginxOptions{Upstreams: []string{upstream.Listener.Addr().String()}, NoAuthRateLimit: true})
		if counts := burstLogin(t, client, "http://"+addr, 40); counts[http.StatusOK] != 40 {
			t.Errorf("with NoAuthRateLimit: %v, want 40 OK", counts)
		}
	})
}

func burstLogin(t *testing.T, client *http.Client, base string, n int) map[int]int {
	t.Helper()
	counts := map[int]int{}
	for range n {
		resp, err := client.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		counts[resp.StatusCode]++
	}
	return counts
}
