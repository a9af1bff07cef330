package handlers

import (
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
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/hub"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

func TestMain(m *testing.M) {
	// A loaded test machine may take longer than production's bound to
	// answer; TestRedisHangAddsLittleLatency sets production's back.
	hub.RedisCallTimeout = time.Second
	storetest.Main(m)
}

// testSecret signs the tokens of every test app.
var testSecret = []byte("test-secret-test-secret-test-secret!")

// testEnv is one app on a fresh database with a recording publisher.
type testEnv struct {
	t     *testing.T
	app   *fiber.App
	store store.Store
	pub   *recordingPublisher
}

// newEnv builds the app; mutate adjusts the config before New.
func newEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	return newEnvDeps(t, nil, mutate...)
}

// newEnvDeps is newEnv with the collaborators adjusted too (Redis, a
// logger), when withDeps is not nil.
func newEnvDeps(t *testing.T, withDeps func(*Deps), mutate ...func(*Config)) *testEnv {
	t.Helper()
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	cfg := Config{JWTSecret: testSecret}
	for _, m := range mutate {
		m(&cfg)
	}
	pub := &recordingPublisher{}
	deps := Deps{Store: s, Publisher: pub}
	if withDeps != nil {
		withDeps(&deps)
	}
	app, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testEnv{t: t, app: app, store: s, pub: pub}
}

// with returns the env reporting to t (a subtest's).
func (e *testEnv) with(t *testing.T) *testEnv {
	c := *e
	c.t = t
	return &c
}

// resp is a finished request: status, headers and body.
type resp struct {
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    []byte
}

// json decodes the body into a generic map.
func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// errCode returns the code of an error envelope.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error envelope in %s", r.body)
	}
	return e["code"].(string)
}

// errFields returns the fields of an error envelope.
func (r resp) errFields(t *testing.T) map[string]any {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// req describes a request; body is JSON-encoded unless it is a string or
// []byte, sent as is.
type req struct {
	method, path string
	body         any
	token        string // sent as a Bearer token
	contentType  string
	header       map[string]string
}

func (e *testEnv) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	ct := r.contentType
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	if body != nil && ct == "" {
		ct = fiber.MIMEApplicationJSON
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := e.app.Test(hr, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, cookies: res.Cookies(), body: raw}
}

// must does r and fails the test unless it answers status.
func (e *testEnv) must(status int, r req) resp {
	e.t.Helper()
	out := e.do(r)
	if out.status != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, out.status, status, out.body)
	}
	return out
}

// user is a signed-up test user.
type user struct {
	id, token, email, nickname, password string
}

var userSeq struct {
	sync.Mutex
	n int
}

// signup creates a fresh user with a unique email and nickname.
func (e *testEnv) signup() user {
	e.t.Helper()
	userSeq.Lock()
	userSeq.n++
	n := userSeq.n
	userSeq.Unlock()
	u := user{email: fmt.Sprintf("user%d@example.com", n), nickname: fmt.Sprintf("user%d", n), password: "correct horse battery"}
	r := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/auth/signup",
		body: map[string]string{"email": u.email, "nickname": u.nickname, "password": u.password}})
	m := r.json(e.t)
	u.token = m["token"].(string)
	u.id = m["user"].(map[string]any)["id"].(string)
	return u
}

// pngBytes encodes a w×h PNG with a pattern depending on seed, so that
// different seeds give different images (and different content keys).
func pngBytes(t *testing.T, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x) + seed, uint8(y), seed, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// form builds a multipart body from fields and an optional image file.
func form(t *testing.T, fields map[string]string, filename string, file []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("image", filename)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// createGroup makes a group of u and returns its id.
func (e *testEnv) createGroup(u user, title string) string {
	e.t.Helper()
	body, ct := form(e.t, map[string]string{"title": title, "content": "about " + title}, "cover.png", pngBytes(e.t, 50, 40, 1))
	r := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: u.token})
	return r.json(e.t)["id"].(string)
}

// createPin makes a pin of u in group and returns its JSON.
func (e *testEnv) createPin(u user, group, title string) map[string]any {
	e.t.Helper()
	body, ct := form(e.t, map[string]string{"title": title, "content": "text of " + title, "group_id": group}, "p.png", pngBytes(e.t, 50, 40, 2))
	r := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins", body: body, contentType: ct, token: u.token})
	return r.json(e.t)
}

// recordingPublisher keeps every published frame, decoded.
type recordingPublisher struct {
	mu     sync.Mutex
	frames []recordedFrame
}

type recordedFrame struct {
	Type  string         `json:"type"`
	Topic string         `json:"topic"`
	Event string         `json:"event"`
	Data  map[string]any `json:"data"`
	TS    int64          `json:"ts"`
	topic string         // the topic Publish was called with
}

// Publish implements Publisher.
func (p *recordingPublisher) Publish(_ context.Context, topic string, msg []byte) error {
	var f recordedFrame
	if err := json.Unmarshal(msg, &f); err != nil {
		return err
	}
	f.topic = topic
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frames = append(p.frames, f)
	return nil
}

// find returns the frames published on topic with event.
func (p *recordingPublisher) find(topic, event string) []recordedFrame {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []recordedFrame
	for _, f := range p.frames {
		if f.topic == topic && f.Event == event {
			out = append(out, f)
		}
	}
	return out
}
