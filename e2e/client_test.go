//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// apiUser is a signed-up user of the API.
type apiUser struct {
	ID, Token string
}

// call sends one API request to base and decodes the JSON answer into out
// (when non-nil), failing the test unless the status is want.
func call(t testing.TB, base, method, path, token string, body io.Reader, contentType string, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func signUp(t testing.TB, base, nickname string) apiUser {
	t.Helper()
	var out struct {
		User  struct{ ID string }
		Token string
	}
	call(t, base, "POST", "/api/v1/auth/signup", "", jsonBody(map[string]string{
		"email": nickname + "@example.com", "nickname": nickname, "password": "Correct-Horse-42",
	}), "application/json", http.StatusCreated, &out)
	return apiUser{ID: out.User.ID, Token: out.Token}
}

// multipartWithImage builds a form with fields and a small PNG as "image".
func multipartWithImage(t testing.TB, fields map[string]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("image", "pic.png")
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 60, 40))
	for x := 0; x < 60; x++ {
		img.Set(x, x%40, color.RGBA{R: uint8(x * 4), G: 90, B: 200, A: 255})
	}
	if err := png.Encode(fw, img); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

// createPin makes a group and a pin in it for u and returns the pin id.
func createPin(t testing.TB, base string, u apiUser) string {
	t.Helper()
	var group, pin struct{ ID string }
	body, ct := multipartWithImage(t, map[string]string{"title": "Board", "content": "things"})
	call(t, base, "POST", "/api/v1/groups", u.Token, body, ct, http.StatusCreated, &group)
	body, ct = multipartWithImage(t, map[string]string{"title": "A pin", "content": "text", "group_id": group.ID})
	call(t, base, "POST", "/api/v1/pins", u.Token, body, ct, http.StatusCreated, &pin)
	return pin.ID
}

// liveMsg is one server → client message of the live protocol.
type liveMsg struct {
	Type  string          `json:"type"`
	Topic string          `json:"topic"`
	Event string          `json:"event"`
	Code  string          `json:"code"`
	Data  json.RawMessage `json:"data"`
	// docs/LIVE.md §Recovery: the position of an event or a "subscribed".
	Offset    *uint64 `json:"offset"`
	Epoch     string  `json:"epoch"`
	Recovered *bool   `json:"recovered"`
}

// subscriber is a WebSocket client that splits frames on newlines and
// hands every message to a channel.
type subscriber struct {
	conn   *websocket.Conn
	msgs   chan liveMsg
	closed chan error
}

func dialLive(t testing.TB, addr, token string, topics ...string) *subscriber {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &websocket.DialOptions{}
	if token != "" {
		opts.HTTPHeader = http.Header{"Authorization": {"Bearer " + token}}
	}
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", opts)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	conn.SetReadLimit(1 << 20)
	s := &subscriber{conn: conn, msgs: make(chan liveMsg, 4096), closed: make(chan error, 1)}
	go s.read()
	t.Cleanup(func() { conn.CloseNow() })
	for _, topic := range topics {
		if err := conn.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"type":"subscribe","topic":%q}`, topic))); err != nil {
			t.Fatal(err)
		}
		m := s.next(t, 10*time.Second)
		if m.Type != "subscribed" || m.Topic != topic {
			t.Fatalf("subscribe %s: got %+v", topic, m)
		}
	}
	return s
}

func (s *subscriber) read() {
	for {
		_, data, err := s.conn.Read(context.Background())
		if err != nil {
			s.closed <- err
			close(s.msgs)
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			var m liveMsg
			// Presence counts come whenever viewers change; the
			// tests that use this client look at other events.
			if json.Unmarshal([]byte(line), &m) == nil && m.Event != "presence" {
				s.msgs <- m
			}
		}
	}
}

// next returns the next message or fails after d.
func (s *subscriber) next(t testing.TB, d time.Duration) liveMsg {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			t.Fatalf("connection closed: %v", <-s.closed)
		}
		return m
	case <-time.After(d):
		t.Fatalf("no message within %v", d)
	}
	return liveMsg{}
}

// nextEvent skips non-event messages and returns the next event of kind.
func (s *subscriber) nextEvent(t testing.TB, kind string, d time.Duration) liveMsg {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		m := s.next(t, time.Until(deadline))
		if m.Type == "event" && m.Event == kind {
			return m
		}
	}
}
