package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestComments(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	id := e.createPin(a, e.createGroup(a, "g"), "discussed")["id"].(string)
	path := "/api/v1/pins/" + id + "/comments"
	cases := []struct {
		name   string
		body   any
		token  string
		path   string
		status int
	}{
		{"anonymous", map[string]string{"content": "hi"}, "", path, http.StatusUnauthorized},
		{"empty", map[string]string{"content": "  "}, b.token, path, http.StatusUnprocessableEntity},
		{"too long", map[string]string{"content": strings.Repeat("x", 2001)}, b.token, path, http.StatusUnprocessableEntity},
		{"wrong type", `{"content":true}`, b.token, path, http.StatusBadRequest},
		{"no body", "", b.token, path, http.StatusBadRequest},
		{"unknown pin", map[string]string{"content": "hi"}, b.token, "/api/v1/pins/64b7f0c2a1b2c3d4e5f60718/comments", http.StatusNotFound},
		{"ok", map[string]string{"content": "first!"}, b.token, path, http.StatusCreated},
		{"longest", map[string]string{"content": strings.Repeat("가", 2000)}, a.token, path, http.StatusCreated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.must(tc.status, req{method: "POST", path: tc.path, body: tc.body, token: tc.token, contentType: "application/json"})
		})
	}
	list := e.must(http.StatusOK, req{method: "GET", path: path}).json(t)
	items := list["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("comments = %v", list)
	}
	first := items[0].(map[string]any)
	if first["content"] != "first!" || first["pin_id"] != id || first["author"].(map[string]any)["id"] != b.id {
		t.Errorf("oldest first: %v", first)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/64b7f0c2a1b2c3d4e5f60718/comments"})

	cid := first["id"].(string)
	// Not even the pin's author deletes someone else's comment.
	e.must(http.StatusForbidden, req{method: "DELETE", path: "/api/v1/comments/" + cid, token: a.token})
	e.must(http.StatusUnauthorized, req{method: "DELETE", path: "/api/v1/comments/" + cid})
	e.must(http.StatusNotFound, req{method: "DELETE", path: "/api/v1/comments/xyz", token: b.token})
	if n := len(e.must(http.StatusOK, req{method: "GET", path: path}).json(t)["items"].([]any)); n != 2 {
		t.Fatalf("a foreign delete removed a comment: %d left", n)
	}
	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/comments/" + cid, token: b.token})
	e.must(http.StatusNotFound, req{method: "DELETE", path: "/api/v1/comments/" + cid, token: b.token})
	pin := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + id}).json(t)
	if pin["comment_count"] != 1.0 {
		t.Errorf("comment_count = %v", pin["comment_count"])
	}
}

func TestCommentPages(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	id := e.createPin(a, e.createGroup(a, "g"), "busy")["id"].(string)
	for i := range 5 {
		e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + id + "/comments", token: b.token,
			body: map[string]string{"content": fmt.Sprintf("c%d", i)}})
	}
	var got []string
	cursor := ""
	for {
		m := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + id + "/comments?limit=2&cursor=" + cursor}).json(t)
		for _, it := range m["items"].([]any) {
			got = append(got, it.(map[string]any)["content"].(string))
		}
		next, ok := m["next_cursor"].(string)
		if !ok {
			break
		}
		cursor = next
	}
	if strings.Join(got, ",") != "c0,c1,c2,c3,c4" {
		t.Errorf("comments in order: %v", got)
	}
	e.must(http.StatusBadRequest, req{method: "GET", path: "/api/v1/pins/" + id + "/comments?cursor=bogus"})
}

// TestCommentCursorRefusedByPins checks that a cursor is bound to the list
// that issued it: a comments cursor, valid there, is a 400 on /pins.
func TestCommentCursorRefusedByPins(t *testing.T) {
	e := newEnv(t)
	a := e.signup()
	g := e.createGroup(a, "g")
	id := e.createPin(a, g, "busy")["id"].(string)
	e.createPin(a, g, "another")
	for i := range 3 {
		e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + id + "/comments", token: a.token,
			body: map[string]string{"content": fmt.Sprintf("c%d", i)}})
	}
	m := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + id + "/comments?limit=1"}).json(t)
	cursor, ok := m["next_cursor"].(string)
	if !ok {
		t.Fatalf("no comments cursor: %v", m["next_cursor"])
	}
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + id + "/comments?limit=1&cursor=" + cursor})
	e.must(http.StatusBadRequest, req{method: "GET", path: "/api/v1/pins?limit=1&cursor=" + cursor})
}

func TestNotificationsAndFeed(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	pin := e.createPin(a, e.createGroup(a, "g"), "for followers")
	id := pin["id"].(string)
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + id + "/like", token: b.token})
	// The like's notification is written after the response; the order
	// checked below needs it before the comment's.
	eventually(t, 10*time.Second, "the like notification", func() bool {
		n := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/notifications", token: a.token}).json(t)
		return n["unread_count"] == 2.0
	})
	e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + id + "/comments", token: b.token, body: map[string]string{"content": "nice"}})
	// Comments on one's own pin notify nobody.
	e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + id + "/comments", token: a.token, body: map[string]string{"content": "thanks"}})

	// The comment's notification is written after the response.
	var na map[string]any
	eventually(t, 10*time.Second, "the comment notification", func() bool {
		na = e.must(http.StatusOK, req{method: "GET", path: "/api/v1/notifications", token: a.token}).json(t)
		return na["unread_count"] == 3.0
	})
	var kinds []string
	for _, it := range na["items"].([]any) {
		n := it.(map[string]any)
		kinds = append(kinds, n["kind"].(string))
		if n["actor"].(map[string]any)["id"] != b.id || n["read"] != false {
			t.Errorf("notification = %v", n)
		}
		if p, _ := n["pin"].(map[string]any); n["kind"] != "follow" && (p == nil || p["id"] != id || p["title"] != "for followers") {
			t.Errorf("pin of %v", n)
		}
		if n["kind"] == "follow" && n["pin"] != nil {
			t.Errorf("a follow has a pin: %v", n)
		}
	}
	if strings.Join(kinds, ",") != "comment,like,follow" || na["unread_count"] != 3.0 || na["next_cursor"] != nil {
		t.Errorf("a's notifications = %v", na)
	}
	var nb map[string]any
	eventually(t, 10*time.Second, "the new_pin notification", func() bool {
		nb = e.must(http.StatusOK, req{method: "GET", path: "/api/v1/notifications", token: b.token}).json(t)
		return len(nb["items"].([]any)) > 0
	})
	if items := nb["items"].([]any); len(items) != 1 || items[0].(map[string]any)["kind"] != "new_pin" {
		t.Errorf("b's notifications = %v", nb)
	}
	e.must(http.StatusNoContent, req{method: "POST", path: "/api/v1/notifications/read", token: a.token})
	na = e.must(http.StatusOK, req{method: "GET", path: "/api/v1/notifications", token: a.token}).json(t)
	if na["unread_count"] != 0.0 || na["items"].([]any)[0].(map[string]any)["read"] != true {
		t.Errorf("after read: %v", na)
	}
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/notifications"})

	feed := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/feed", token: b.token}).json(t)
	if items := feed["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id || items[0].(map[string]any)["liked_by_me"] != true {
		t.Errorf("feed = %v", feed)
	}
	own := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/feed", token: a.token}).json(t)
	if items := own["items"].([]any); len(items) != 0 {
		t.Errorf("a follows nobody but has a feed: %v", items)
	}
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/feed"})
}
