package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeAPI is the slice of the JSON API that loadgen uses, enforcing the
// rules seeding must respect (unique sign-ups, own groups, no self-likes,
// no self-follows, real 640×800 JPEGs) so the tests catch a seeder that
// would be rejected by the real server.
type fakeAPI struct {
	mu          sync.Mutex
	rateLimited bool
	emails      map[string]bool
	tokens      map[string]string // token → user id
	groupOwner  map[string]string
	pinAuthor   map[string]string
	pinOrder    []string
	comments    map[string]int
	edges       map[string]bool // "like:pin:user", "follow:a:b", …
	violations  []string
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		emails: map[string]bool{}, tokens: map[string]string{}, groupOwner: map[string]string{},
		pinAuthor: map[string]string{}, comments: map[string]int{}, edges: map[string]bool{},
	}
}

var nicknameRE = regexp.MustCompile(`^[\pL\pN]{1,10}$`)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// user returns the caller's id, or "" after answering 401.
func (f *fakeAPI) user(w http.ResponseWriter, r *http.Request) string {
	id := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if id == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]string{"code": "unauthorized"}})
	}
	return id
}

func (f *fakeAPI) fail(w http.ResponseWriter, status int, why string) {
	f.violations = append(f.violations, why)
	writeJSON(w, status, map[string]any{"error": map[string]string{"message": why}})
}

// image checks the multipart image the way the server will: by decoding.
func (f *fakeAPI) image(w http.ResponseWriter, r *http.Request) bool {
	file, hdr, err := r.FormFile("image")
	if err != nil {
		f.fail(w, http.StatusBadRequest, "no image part")
		return false
	}
	defer file.Close()
	cfg, format, err := image.DecodeConfig(file)
	if err != nil || format != "jpeg" || cfg.Width != 640 || cfg.Height != 800 || hdr.Header.Get("Content-Type") != "image/jpeg" {
		f.fail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("bad image %s %dx%d %v", format, cfg.Width, cfg.Height, err))
		return false
	}
	return true
}

func (f *fakeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	lock := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { f.mu.Lock(); defer f.mu.Unlock(); h(w, r) }
	}
	mux.HandleFunc("POST /api/v1/auth/signup", lock(func(w http.ResponseWriter, r *http.Request) {
		if f.rateLimited {
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]string{"code": "rate_limited"}})
			return
		}
		var in struct{ Email, Nickname, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		if f.emails[in.Email] || !nicknameRE.MatchString(in.Nickname) || len(in.Password) < 8 || !strings.HasSuffix(in.Email, "@example.com") {
			f.fail(w, http.StatusUnprocessableEntity, "bad sign-up "+in.Email+" "+in.Nickname)
			return
		}
		f.emails[in.Email] = true
		id := fmt.Sprintf("u%d", len(f.emails))
		f.tokens["tok-"+id] = id
		writeJSON(w, http.StatusCreated, map[string]any{"user": map[string]string{"id": id}, "token": "tok-" + id})
	}))
	mux.HandleFunc("POST /api/v1/groups", lock(func(w http.ResponseWriter, r *http.Request) {
		if u := f.user(w, r); u != "" && f.image(w, r) && r.FormValue("title") != "" {
			id := fmt.Sprintf("g%d", len(f.groupOwner))
			f.groupOwner[id] = u
			writeJSON(w, http.StatusCreated, map[string]string{"id": id})
		}
	}))
	mux.HandleFunc("POST /api/v1/pins", lock(func(w http.ResponseWriter, r *http.Request) {
		u := f.user(w, r)
		if u == "" || !f.image(w, r) {
			return
		}
		if f.groupOwner[r.FormValue("group_id")] != u || r.FormValue("title") == "" {
			f.fail(w, http.StatusForbidden, "pin into someone else's group")
			return
		}
		id := fmt.Sprintf("p%d", len(f.pinAuthor))
		f.pinAuthor[id] = u
		f.pinOrder = append(f.pinOrder, id)
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	}))
	mux.HandleFunc("POST /api/v1/pins/{id}/comments", lock(func(w http.ResponseWriter, r *http.Request) {
		if f.user(w, r) != "" {
			f.comments[r.PathValue("id")]++
			writeJSON(w, http.StatusCreated, map[string]string{"id": "c"})
		}
	}))
	mux.HandleFunc("PUT /api/v1/pins/{id}/{verb}", lock(func(w http.ResponseWriter, r *http.Request) {
		u, pin := f.user(w, r), r.PathValue("id")
		if u == "" {
			return
		}
		key := r.PathValue("verb") + ":" + pin + ":" + u
		if f.pinAuthor[pin] == u || f.edges[key] {
			f.fail(w, http.StatusUnprocessableEntity, "own or repeated "+key)
			return
		}
		f.edges[key] = true
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}))
	mux.HandleFunc("PUT /api/v1/users/{id}/follow", lock(func(w http.ResponseWriter, r *http.Request) {
		u := f.user(w, r)
		key := "follow:" + u + ":" + r.PathValue("id")
		if u == "" {
			return
		}
		if u == r.PathValue("id") || f.edges[key] {
			f.fail(w, http.StatusUnprocessableEntity, "self or repeated "+key)
			return
		}
		f.edges[key] = true
		writeJSON(w, http.StatusOK, map[string]bool{"following": true})
	}))
	mux.HandleFunc("GET /api/v1/pins", lock(func(w http.ResponseWriter, r *http.Request) {
		// The cursor is an offset; enough to let countPins page through.
		off, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		end := min(off+100, len(f.pinOrder))
		items := []map[string]string{}
		for _, id := range f.pinOrder[off:end] {
			items = append(items, map[string]string{"id": id})
		}
		var next any
		if end < len(f.pinOrder) {
			next = strconv.Itoa(end)
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
	}))
	ok := lock(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"items": []string{}})
	})
	mux.HandleFunc("GET /api/v1/pins/{id}", ok)
	mux.HandleFunc("GET /api/v1/pins/{id}/comments", ok)
	mux.HandleFunc("GET /api/v1/users/{id}", ok)
	mux.HandleFunc("GET /api/v1/groups", lock(func(w http.ResponseWriter, r *http.Request) {
		if f.user(w, r) != "" {
			writeJSON(w, http.StatusOK, map[string]any{"items": []string{}})
		}
	}))
	mux.HandleFunc("GET /api/v1/me", lock(func(w http.ResponseWriter, r *http.Request) {
		if u := f.user(w, r); u != "" {
			writeJSON(w, http.StatusOK, map[string]string{"id": u})
		}
	}))
	return mux
}

func TestSeedThenReuseState(t *testing.T) {
	fake := newFakeAPI()
	srv := httptest.NewServer(fake.handler())
	defer srv.Close()
	state := filepath.Join(t.TempDir(), "state.json")
	args := []string{"-url", srv.URL, "-state", state, "-c", "2", "-d", "100ms", "-warmup", "20ms", "-images", "1", "-workers", "4"}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("first run exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	t.Logf("first run:\n%s", out.String())
	if len(fake.violations) > 0 {
		t.Fatalf("seeding broke server rules: %v", fake.violations)
	}
	likes, bookmarks, follows := 0, 0, 0
	for k := range fake.edges {
		switch {
		case strings.HasPrefix(k, "like:"):
			likes++
		case strings.HasPrefix(k, "bookmark:"):
			bookmarks++
		case strings.HasPrefix(k, "follow:"):
			follows++
		}
	}
	got := [...]int{len(fake.emails), len(fake.groupOwner), len(fake.pinAuthor), likes, bookmarks, follows}
	if want := [...]int{20, 40, 500, 1270, 770, 100}; got != want {
		t.Fatalf("seeded users/groups/pins/likes/bookmarks/follows = %v, want %v", got, want)
	}
	st, err := loadState(state)
	if err != nil || st == nil {
		t.Fatalf("state not saved: %v", err)
	}
	if fake.comments[st.PinID] != 60 {
		t.Fatalf("pin %s has %d comments, want 60", st.PinID, fake.comments[st.PinID])
	}
	if !strings.Contains(out.String(), "| scenario | req/s | p50 ms | p99 ms | errors |") ||
		!strings.Contains(out.String(), "| groups | ") {
		t.Fatalf("no markdown table in output:\n%s", out.String())
	}

	// A second run finds the state valid and 500 pins present: no seeding.
	out.Reset()
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("second run exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), "seeding") || len(fake.emails) != 20 {
		t.Fatalf("second run seeded again:\n%s", out.String())
	}
	if info, err := os.Stat(state); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode: %v %v", info.Mode(), err)
	}
}

func TestSeedRateLimitHint(t *testing.T) {
	fake := newFakeAPI()
	fake.rateLimited = true
	srv := httptest.NewServer(fake.handler())
	defer srv.Close()
	args := []string{"-url", srv.URL, "-state", filepath.Join(t.TempDir(), "s.json"), "-images", "1"}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut.String(), "AUTH_RATE_LIMIT=0") {
		t.Fatalf("no rate-limit hint in:\n%s", errOut.String())
	}
}
