//go:build linux

package swarm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// api is a client of the product through the published Nginx port.
type api struct {
	addr   string // 127.0.0.1:port
	client *http.Client
}

func newAPI(port int) *api {
	// Longer than Nginx's connect timeout plus one retry, so that a slow
	// answer during a failover counts as slow, not failed.
	return &api{addr: fmt.Sprintf("127.0.0.1:%d", port), client: &http.Client{Timeout: 20 * time.Second}}
}

// do sends one request and returns the status and body.
func (a *api) do(method, path, token, requestID string, body io.Reader, contentType string) (int, []byte, error) {
	req, err := http.NewRequest(method, "http://"+a.addr+path, body)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if requestID != "" {
		req.Header.Set("X-Request-ID", requestID)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// call fails the test unless the answer has status want; out (when not
// nil) receives the JSON body.
func (a *api) call(t testing.TB, method, path, token string, body io.Reader, contentType string, want int, out any) []byte {
	t.Helper()
	status, raw, err := a.do(method, path, token, "", body, contentType)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %.300s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %.300s: %v", method, path, raw, err)
		}
	}
	return raw
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

type user struct {
	ID, Token, Email, Password string
}

func (a *api) signUp(t testing.TB, nickname string) user {
	t.Helper()
	u := user{Email: nickname + "@example.com", Password: "Correct-Horse-42"}
	var out struct {
		User  struct{ ID string }
		Token string
	}
	a.call(t, "POST", "/api/v1/auth/signup", "", jsonBody(map[string]string{
		"email": u.Email, "nickname": nickname, "password": u.Password,
	}), "application/json", http.StatusCreated, &out)
	u.ID, u.Token = out.User.ID, out.Token
	return u
}

func (a *api) logIn(t testing.TB, u user) string {
	t.Helper()
	var out struct{ Token string }
	a.call(t, "POST", "/api/v1/auth/login", "", jsonBody(map[string]string{"email": u.Email, "password": u.Password}),
		"application/json", http.StatusOK, &out)
	if out.Token == "" {
		t.Fatal("log-in returned no token")
	}
	return out.Token
}

// jpegForm builds a multipart form with fields and a small generated JPEG
// as "image".
func jpegForm(t testing.TB, fields map[string]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		_ = w.WriteField(k, fields[k])
	}
	fw, err := w.CreateFormFile("image", "photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 160, A: 255})
		}
	}
	if err := jpeg.Encode(fw, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

type pin struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	ImageURL string `json:"image_url"`
}

// createPin makes a group and a pin with an image in it for u.
func (a *api) createPin(t testing.TB, u user, title string) pin {
	t.Helper()
	var group struct{ ID string }
	body, ct := jpegForm(t, map[string]string{"title": "Deployed board", "content": "made through the swarm"})
	a.call(t, "POST", "/api/v1/groups", u.Token, body, ct, http.StatusCreated, &group)
	var p pin
	body, ct = jpegForm(t, map[string]string{"title": title, "content": "a pin", "group_id": group.ID})
	a.call(t, "POST", "/api/v1/pins", u.Token, body, ct, http.StatusCreated, &p)
	if p.ID == "" || p.ImageURL == "" {
		t.Fatalf("created pin lacks id or image: %+v", p)
	}
	return p
}

func (a *api) comment(t testing.TB, u user, pinID, content string) {
	t.Helper()
	a.call(t, "POST", "/api/v1/pins/"+pinID+"/comments", u.Token, jsonBody(map[string]string{"content": content}),
		"application/json", http.StatusCreated, nil)
}

// liveMsg is one server → client message of the live protocol.
type liveMsg struct {
	Type  string          `json:"type"`
	Topic string          `json:"topic"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	raw   string
}

// socket is a /ws connection; a frame may hold several newline-separated
// messages.
type socket struct {
	conn *websocket.Conn
	msgs chan liveMsg
}

// subscribe opens /ws through Nginx with requestID as X-Request-ID (so
// that Nginx's access log tells which replica took it) and subscribes to
// topic.
func (a *api) subscribe(t testing.TB, requestID, topic string) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+a.addr+"/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"X-Request-ID": {requestID}},
	})
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	s := &socket{conn: conn, msgs: make(chan liveMsg, 256)}
	t.Cleanup(func() { conn.CloseNow() })
	go func() {
		defer close(s.msgs)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				var m liveMsg
				if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 && json.Unmarshal(line, &m) == nil {
					m.raw = string(line)
					s.msgs <- m
				}
			}
		}
	}()
	if err := conn.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"type":"subscribe","topic":%q}`, topic))); err != nil {
		t.Fatal(err)
	}
	if m := s.next(t, "subscribed", 15*time.Second); m.Topic != topic {
		t.Fatalf("subscribed to %q, want %q", m.Topic, topic)
	}
	return s
}

// next skips messages until one of type kind ("event" messages match by
// their event name).
func (s *socket) next(t testing.TB, kind string, d time.Duration) liveMsg {
	t.Helper()
	timeout := time.After(d)
	var skipped []string
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				t.Fatalf("socket closed while waiting for %s (after %v)", kind, skipped)
			}
			if m.Type == kind || (m.Type == "event" && m.Event == kind) {
				return m
			}
			skipped = append(skipped, m.raw)
		case <-timeout:
			t.Fatalf("no %s within %v (got %v)", kind, d, skipped)
		}
	}
}

// load is a client that keeps reading a pin and posting comments on it,
// one request after another on each of two connections, and records every
// answer.
type load struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	results []result
}

type result struct {
	start time.Time
	took  time.Duration
	err   string // empty when the request succeeded
}

func startLoad(a *api, u user, pinID, label string) *load {
	l := &load{stop: make(chan struct{})}
	reqs := []func(n int) (int, []byte, error){
		func(n int) (int, []byte, error) {
			return a.do("GET", "/api/v1/pins/"+pinID, u.Token, fmt.Sprintf("%s-get-%d", label, n), nil, "")
		},
		func(n int) (int, []byte, error) {
			return a.do("POST", "/api/v1/pins/"+pinID+"/comments", u.Token, fmt.Sprintf("%s-post-%d", label, n),
				jsonBody(map[string]string{"content": fmt.Sprintf("%s comment %d", label, n)}), "application/json")
		},
	}
	wants := []int{http.StatusOK, http.StatusCreated}
	for i, req := range reqs {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				start := time.Now()
				status, body, err := req(n)
				r := result{start: start, took: time.Since(start)}
				switch {
				case err != nil:
					r.err = err.Error()
				case status != wants[i]:
					r.err = fmt.Sprintf("status %d: %.200s", status, body)
				}
				l.mu.Lock()
				l.results = append(l.results, r)
				l.mu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	return l
}

// finish stops the client and sums up: the number of requests, the
// failed ones, the slowest answer, and the longest outage (from the start
// of a failed request to the end of the last failure before a success).
func (l *load) finish() (total int, failed []result, slowest, outage time.Duration) {
	close(l.stop)
	l.wg.Wait()
	rs := slices.Clone(l.results)
	slices.SortFunc(rs, func(a, b result) int { return a.start.Compare(b.start) })
	var outageStart time.Time
	for _, r := range rs {
		slowest = max(slowest, r.took)
		if r.err == "" {
			outageStart = time.Time{}
			continue
		}
		failed = append(failed, r)
		if outageStart.IsZero() {
			outageStart = r.start
		}
		outage = max(outage, r.start.Add(r.took).Sub(outageStart))
	}
	return len(rs), failed, slowest, outage
}

func describe(failed []result) string {
	var b strings.Builder
	for i, r := range failed {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … %d more", len(failed)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s (+%v): %s", r.start.Format("15:04:05.000"), r.took.Round(time.Millisecond), r.err)
	}
	return b.String()
}
