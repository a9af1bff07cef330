package handlers

import (
	"net/http"
	"strings"
	"testing"
)

func TestCreateGroupInput(t *testing.T) {
	e := newEnv(t)
	a := e.signup()
	img := pngBytes(t, 50, 40, 4)
	cases := []struct {
		name     string
		fields   map[string]string
		filename string
		file     []byte
		status   int
		fields2  []string // fields the 422 names
	}{
		{"ok", map[string]string{"title": "travel", "content": "places"}, "c.png", img, http.StatusCreated, nil},
		{"no title", map[string]string{"content": "x"}, "", nil, http.StatusUnprocessableEntity, []string{"title"}},
		{"no cover", map[string]string{"title": "plain", "secret": "on"}, "", nil, http.StatusCreated, nil},
		{"secret not a flag", map[string]string{"title": "t", "secret": "maybe"}, "", nil, http.StatusUnprocessableEntity, []string{"secret"}},
		{"title too long", map[string]string{"title": strings.Repeat("가", 51)}, "c.png", img, http.StatusUnprocessableEntity, []string{"title"}},
		{"content too long", map[string]string{"title": "t", "content": strings.Repeat("c", 5001)}, "c.png", img, http.StatusUnprocessableEntity, []string{"content"}},
		{"text named .jpg", map[string]string{"title": "t"}, "x.jpg", []byte("hello, I am text"), http.StatusUnsupportedMediaType, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			body, ct := form(t, tc.fields, tc.filename, tc.file)
			r := e.must(tc.status, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: a.token})
			for _, f := range tc.fields2 {
				if _, ok := r.errFields(t)[f]; !ok {
					t.Errorf("fields = %v, want %q", r.errFields(t), f)
				}
			}
			if tc.name == "no cover" {
				g := r.json(t)
				if g["image_url"] != nil || g["thumb_url"] != nil || g["secret"] != true || g["owner"].(map[string]any)["id"] != a.id {
					t.Errorf("group without cover = %v", g)
				}
				return
			}
			if tc.status == http.StatusCreated {
				g := r.json(t)
				if g["secret"] != false || g["title"] != "travel" || g["content"] != "places" || g["pin_count"] != 0.0 ||
					!strings.HasPrefix(g["image_url"].(string), "/media/") || !strings.HasPrefix(g["thumb_url"].(string), "/media/") {
					t.Errorf("group = %v", g)
				}
			}
		})
	}
	e.must(http.StatusBadRequest, req{method: "POST", path: "/api/v1/groups", body: map[string]string{"title": "json"}, token: a.token})
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/groups"})
}

// TestGroupVisibility: a public group and its pins are everyone's to
// read (anonymous too) and only the owner's to change (403); a secret one
// is a 404 for everyone else, whatever they try.
func TestGroupVisibility(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	pub := e.createGroup(a, "open")
	e.createPin(a, pub, "inside")
	body, ct := form(t, map[string]string{"title": "hidden", "secret": "true"}, "", nil)
	sec := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: a.token}).json(t)["id"].(string)
	e.createPin(a, sec, "secret pin")
	newCover, ct := form(t, map[string]string{"title": "hijacked"}, "n.png", pngBytes(t, 50, 40, 5))
	cases := []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string
		token       string
		status      int
	}{
		{"GET public", "GET", "/api/v1/groups/" + pub, nil, "", b.token, http.StatusOK},
		{"GET public anonymous", "GET", "/api/v1/groups/" + pub, nil, "", "", http.StatusOK},
		{"GET public pins anonymous", "GET", "/api/v1/groups/" + pub + "/pins", nil, "", "", http.StatusOK},
		{"PATCH public JSON", "PATCH", "/api/v1/groups/" + pub, map[string]string{"title": "hijacked"}, "", b.token, http.StatusForbidden},
		{"PATCH public multipart", "PATCH", "/api/v1/groups/" + pub, newCover, ct, b.token, http.StatusForbidden},
		{"DELETE public", "DELETE", "/api/v1/groups/" + pub, nil, "", b.token, http.StatusForbidden},
		{"GET secret", "GET", "/api/v1/groups/" + sec, nil, "", b.token, http.StatusNotFound},
		{"GET secret anonymous", "GET", "/api/v1/groups/" + sec, nil, "", "", http.StatusNotFound},
		{"GET secret pins", "GET", "/api/v1/groups/" + sec + "/pins", nil, "", b.token, http.StatusNotFound},
		{"PATCH secret", "PATCH", "/api/v1/groups/" + sec, map[string]string{"title": "hijacked"}, "", b.token, http.StatusNotFound},
		{"PATCH secret multipart", "PATCH", "/api/v1/groups/" + sec, newCover, ct, b.token, http.StatusNotFound},
		{"DELETE secret", "DELETE", "/api/v1/groups/" + sec, nil, "", b.token, http.StatusNotFound},
		{"malformed id", "GET", "/api/v1/groups/xyz", nil, "", b.token, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, req{method: tc.method, path: tc.path, body: tc.body, contentType: tc.contentType, token: tc.token})
			if tc.method == "GET" && tc.status == http.StatusOK && strings.HasSuffix(tc.path, "/pins") {
				if items := r.json(t)["items"].([]any); len(items) != 1 {
					t.Errorf("public group's pins = %v", items)
				}
			}
			for _, g := range []string{pub, sec} {
				got := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups/" + g, token: a.token}).json(t)
				if got["title"] == "hijacked" || got["pin_count"] != 1.0 {
					t.Errorf("group changed: %v", got)
				}
			}
		})
	}
	// The owner opens the secret group up, by JSON.
	open := e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/groups/" + sec, token: a.token,
		body: map[string]any{"secret": false}}).json(t)
	if open["secret"] != false {
		t.Errorf("opened = %v", open)
	}
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups/" + sec})
	mine := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups", token: b.token}).json(t)
	if items := mine["items"].([]any); len(items) != 0 {
		t.Errorf("b sees groups: %v", items)
	}
}

func TestGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	a := e.signup()
	g := e.createGroup(a, "board")
	pin := e.createPin(a, g, "in board")["id"].(string)

	list := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups", token: a.token}).json(t)
	items := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["pin_count"] != 1.0 {
		t.Errorf("groups = %v", list)
	}
	if _, ok := list["next_cursor"]; ok {
		t.Errorf("the group list is not paginated: %v", list)
	}
	renamed := e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/groups/" + g, token: a.token,
		body: map[string]string{"title": "renamed"}}).json(t)
	if renamed["title"] != "renamed" || renamed["content"] != "about board" {
		t.Errorf("renamed = %v", renamed)
	}
	e.must(http.StatusUnprocessableEntity, req{method: "PATCH", path: "/api/v1/groups/" + g, token: a.token,
		body: map[string]string{"title": ""}})
	body, ct := form(t, nil, "c.png", pngBytes(t, 40, 50, 6))
	recovered := e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/groups/" + g, body: body, contentType: ct, token: a.token}).json(t)
	if recovered["title"] != "renamed" || recovered["image_url"] == renamed["image_url"] {
		t.Errorf("new cover = %v", recovered)
	}
	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/groups/" + g, token: a.token})
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/groups/" + g, token: a.token})
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/" + pin})
}
