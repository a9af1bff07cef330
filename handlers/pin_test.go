package handlers

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestCreatePinInput(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	ga, gb := e.createGroup(a, "a's"), e.createGroup(b, "b's")
	img := pngBytes(t, 50, 40, 3)
	cases := []struct {
		name     string
		fields   map[string]string
		filename string
		file     []byte
		token    string
		status   int
		field    string
	}{
		{"anonymous", map[string]string{"title": "t", "group_id": ga}, "p.png", img, "", http.StatusUnauthorized, ""},
		{"ok", map[string]string{"title": "sunset", "content": "red", "group_id": ga}, "p.png", img, a.token, http.StatusCreated, ""},
		{"no title", map[string]string{"group_id": ga}, "p.png", img, a.token, http.StatusUnprocessableEntity, "title"},
		{"title too long", map[string]string{"title": strings.Repeat("t", 51), "group_id": ga}, "p.png", img, a.token, http.StatusUnprocessableEntity, "title"},
		{"content too long", map[string]string{"title": "t", "content": strings.Repeat("c", 5001), "group_id": ga}, "p.png", img, a.token, http.StatusUnprocessableEntity, "content"},
		{"no image", map[string]string{"title": "t", "group_id": ga}, "", nil, a.token, http.StatusUnprocessableEntity, "image"},
		{"no group", map[string]string{"title": "t"}, "p.png", img, a.token, http.StatusUnprocessableEntity, "group_id"},
		{"someone else's group", map[string]string{"title": "t", "group_id": gb}, "p.png", img, a.token, http.StatusUnprocessableEntity, "group_id"},
		{"malformed group id", map[string]string{"title": "t", "group_id": "xyz"}, "p.png", img, a.token, http.StatusUnprocessableEntity, "group_id"},
		{"text named .jpg", map[string]string{"title": "t", "group_id": ga}, "x.jpg", []byte("plain text, not a JPEG"), a.token, http.StatusUnsupportedMediaType, ""},
		{"20000×20000 PNG header", map[string]string{"title": "t", "group_id": ga}, "big.png", hugePNGHeader(20000, 20000), a.token, http.StatusUnprocessableEntity, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			body, ct := form(t, tc.fields, tc.filename, tc.file)
			r := e.must(tc.status, req{method: "POST", path: "/api/v1/pins", body: body, contentType: ct, token: tc.token})
			if tc.field != "" {
				if _, ok := r.errFields(t)[tc.field]; !ok {
					t.Errorf("fields = %v, want %q", r.errFields(t), tc.field)
				}
			}
		})
	}
	e.must(http.StatusBadRequest, req{method: "POST", path: "/api/v1/pins", body: map[string]string{"title": "json"}, token: a.token})
}

// hugePNGHeader is a PNG signature and IHDR chunk claiming w×h pixels,
// with no pixel data: a decompression bomb must be refused from the header.
func hugePNGHeader(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	buf.Write(chunk)
	_ = binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return buf.Bytes()
}

func TestPinShapeAndForeignWrites(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	ga, ga2 := e.createGroup(a, "first"), e.createGroup(a, "second")
	gb := e.createGroup(b, "b's")
	pin := e.createPin(a, ga, "original")
	id := pin["id"].(string)
	if pin["group_id"] != ga || pin["width"] != 50.0 || pin["height"] != 40.0 || pin["like_count"] != 0.0 ||
		pin["liked_by_me"] != false || pin["author"].(map[string]any)["id"] != a.id {
		t.Errorf("pin = %v", pin)
	}
	for _, k := range []string{"id", "title", "content", "group_id", "author", "image_url", "thumb_url", "width", "height",
		"like_count", "bookmark_count", "comment_count", "liked_by_me", "bookmarked_by_me", "created_at", "updated_at"} {
		if _, ok := pin[k]; !ok {
			t.Errorf("pin lacks %s", k)
		}
	}
	newImage, ct := form(t, map[string]string{"title": "hijacked"}, "n.png", pngBytes(t, 50, 40, 7))
	cases := []struct {
		name        string
		method      string
		body        any
		contentType string
		token       string
		status      int
	}{
		{"foreign PATCH JSON", "PATCH", map[string]string{"title": "hijacked"}, "", b.token, http.StatusForbidden},
		{"foreign PATCH multipart", "PATCH", newImage, ct, b.token, http.StatusForbidden},
		{"foreign move into own group", "PATCH", map[string]string{"group_id": gb}, "", b.token, http.StatusForbidden},
		{"foreign DELETE", "DELETE", nil, "", b.token, http.StatusForbidden},
		{"anonymous PATCH", "PATCH", map[string]string{"title": "x"}, "", "", http.StatusUnauthorized},
		{"move to someone else's group", "PATCH", map[string]string{"group_id": gb}, "", a.token, http.StatusUnprocessableEntity},
		{"empty title", "PATCH", map[string]string{"title": " "}, "", a.token, http.StatusUnprocessableEntity},
		{"title of wrong type", "PATCH", `{"title":5}`, "application/json", a.token, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.must(tc.status, req{method: tc.method, path: "/api/v1/pins/" + id, body: tc.body, contentType: tc.contentType, token: tc.token})
			got := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + id}).json(t)
			if got["title"] != "original" || got["group_id"] != ga || got["image_url"] != pin["image_url"] {
				t.Errorf("pin changed: %v", got)
			}
		})
	}

	patched := e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/pins/" + id, token: a.token,
		body: map[string]string{"title": "renamed", "group_id": ga2}}).json(t)
	if patched["title"] != "renamed" || patched["content"] != "text of original" || patched["group_id"] != ga2 {
		t.Errorf("patched = %v", patched)
	}
	body, ct := form(t, map[string]string{"content": "new text"}, "n.png", pngBytes(t, 60, 30, 8))
	withImage := e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/pins/" + id, body: body, contentType: ct, token: a.token}).json(t)
	if withImage["image_url"] == pin["image_url"] || withImage["width"] != 60.0 || withImage["title"] != "renamed" || withImage["content"] != "new text" {
		t.Errorf("patched with image = %v", withImage)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/not-an-id"})
	e.must(http.StatusNotFound, req{method: "PATCH", path: "/api/v1/pins/64b7f0c2a1b2c3d4e5f60718", body: map[string]string{"title": "x"}, token: a.token})
	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/pins/" + id, token: a.token})
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/" + id})
	e.must(http.StatusNotFound, req{method: "DELETE", path: "/api/v1/pins/" + id, token: a.token})
}

func TestLikeAndBookmark(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	id := e.createPin(a, e.createGroup(a, "g"), "likeable")["id"].(string)
	like, mark := "/api/v1/pins/"+id+"/like", "/api/v1/pins/"+id+"/bookmark"
	cases := []struct {
		name, method, path, token string
		status                    int
		want                      map[string]any
	}{
		{"like own pin", "PUT", like, a.token, http.StatusUnprocessableEntity, nil},
		{"bookmark own pin", "PUT", mark, a.token, http.StatusUnprocessableEntity, nil},
		{"anonymous like", "PUT", like, "", http.StatusUnauthorized, nil},
		{"like", "PUT", like, b.token, http.StatusOK, map[string]any{"liked": true, "like_count": 1.0}},
		{"like again", "PUT", like, b.token, http.StatusOK, map[string]any{"liked": true, "like_count": 1.0}},
		{"unlike", "DELETE", like, b.token, http.StatusOK, map[string]any{"liked": false, "like_count": 0.0}},
		{"unlike again", "DELETE", like, b.token, http.StatusOK, map[string]any{"liked": false, "like_count": 0.0}},
		{"bookmark", "PUT", mark, b.token, http.StatusOK, map[string]any{"bookmarked": true, "bookmark_count": 1.0}},
		{"bookmark again", "PUT", mark, b.token, http.StatusOK, map[string]any{"bookmarked": true, "bookmark_count": 1.0}},
		{"like unknown pin", "PUT", "/api/v1/pins/64b7f0c2a1b2c3d4e5f60718/like", b.token, http.StatusNotFound, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, req{method: tc.method, path: tc.path, token: tc.token})
			for k, v := range tc.want {
				if got := r.json(t)[k]; got != v {
					t.Errorf("%s = %v, want %v", k, got, v)
				}
			}
		})
	}
	marks := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me/bookmarks", token: b.token}).json(t)
	items := marks["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["bookmarked_by_me"] != true {
		t.Errorf("bookmarks = %v", marks)
	}
	e.must(http.StatusOK, req{method: "DELETE", path: mark, token: b.token})
	marks = e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me/bookmarks", token: b.token}).json(t)
	if items := marks["items"].([]any); len(items) != 0 {
		t.Errorf("bookmarks after removal = %v", items)
	}
}

func TestConcurrentLikes(t *testing.T) {
	e := newEnv(t)
	author := e.signup()
	id := e.createPin(author, e.createGroup(author, "g"), "popular")["id"].(string)
	users := make([]user, 20)
	for i := range users {
		users[i] = e.signup()
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(users))
	for _, u := range users {
		wg.Go(func() {
			r := e.do(req{method: "PUT", path: "/api/v1/pins/" + id + "/like", token: u.token})
			if r.status != http.StatusOK {
				errs <- fmt.Sprintf("%d %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	got := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + id}).json(t)
	if got["like_count"] != 20.0 {
		t.Errorf("like_count = %v, want 20", got["like_count"])
	}
}

func TestPinListsPaginate(t *testing.T) {
	e := newEnv(t)
	a := e.signup()
	g := e.createGroup(a, "many")
	want := map[string]bool{}
	for i := range 7 {
		want[e.createPin(a, g, fmt.Sprintf("pin %d", i))["id"].(string)] = true
	}
	e.createPin(a, g, "needle in title")
	for _, path := range []string{"/api/v1/pins", "/api/v1/users/" + a.id + "/pins", "/api/v1/groups/" + g + "/pins"} {
		t.Run(path, func(t *testing.T) {
			e := e.with(t)
			seen := map[string]bool{}
			cursor, pages := "", 0
			for {
				q := "?limit=3"
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				m := e.must(http.StatusOK, req{method: "GET", path: path + q, token: a.token}).json(t)
				pages++
				for _, it := range m["items"].([]any) {
					pid := it.(map[string]any)["id"].(string)
					if seen[pid] {
						t.Fatalf("%s listed twice", pid)
					}
					seen[pid] = true
				}
				next, ok := m["next_cursor"].(string)
				if !ok {
					break
				}
				cursor = next
			}
			if len(seen) != 8 || pages != 3 {
				t.Errorf("saw %d pins in %d pages", len(seen), pages)
			}
		})
	}
	search := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins?q=NEEDLE"}).json(t)
	if items := search["items"].([]any); len(items) != 1 {
		t.Errorf("search found %d", len(items))
	}
	cases := []struct {
		name, query string
		status      int
	}{
		{"limit=abc", "?limit=abc", http.StatusBadRequest},
		{"limit=0", "?limit=0", http.StatusBadRequest},
		{"limit=1000 is clamped", "?limit=1000", http.StatusOK},
		{"malformed cursor", "?cursor=%21%21", http.StatusBadRequest},
		{"foreign cursor", "?cursor=YWJj", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.must(tc.status, req{method: "GET", path: "/api/v1/pins" + tc.query})
		})
	}
	empty := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins?q=nothing-matches-this"})
	if !bytes.Contains(empty.body, []byte(`"items":[]`)) || !bytes.Contains(empty.body, []byte(`"next_cursor":null`)) {
		t.Errorf("empty list = %s", empty.body)
	}
}
