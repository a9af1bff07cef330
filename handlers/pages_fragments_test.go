package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// Cached fragments must never show stale content or another viewer's
// controls: a like changes the card, a renamed pin changes the card, and a
// comment's delete form appears only for its author.
func TestPageFragmentsStayFresh(t *testing.T) {
	e := newEnv(t)
	author, fan := e.signup(), e.signup()
	pin := e.createPin(author, e.createGroup(author, "board"), "first title")
	id := pin["id"].(string)
	anon := e.newBrowser(nil)

	expect(t, anon.get("/"), http.StatusOK, "first title")
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + id + "/like", token: fan.token})
	home := anon.get("/")
	if !strings.Contains(string(home.body), `</span> 1</span>`) {
		t.Fatalf("grid does not show the new like count:\n%s", home.body)
	}
	e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/pins/" + id, token: author.token,
		body: map[string]string{"title": "second title"}})
	home = anon.get("/")
	if strings.Contains(string(home.body), "first title") || !strings.Contains(string(home.body), "second title") {
		t.Fatalf("grid shows a stale title")
	}

	// Signed-out pages are cached whole; a change of anything they show
	// must give a new page.
	profile := "/users/" + author.id
	expect(t, anon.get(profile), http.StatusOK)
	expect(t, anon.get("/pins/"+id), http.StatusOK)
	e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/me", token: author.token,
		body: map[string]string{"message": "hello from the author"}})
	expect(t, anon.get(profile), http.StatusOK, "hello from the author")
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + author.id + "/follow", token: fan.token})
	followers := `data-count="followers" data-user="` + author.id + `">1</span>`
	if page := anon.get("/pins/" + id); !strings.Contains(string(page.body), followers) {
		t.Fatalf("pin page does not show the new follower count")
	}

	e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + id + "/comments", token: fan.token,
		body: map[string]string{"content": "nice pin"}})
	for _, tc := range []struct {
		name      string
		viewer    *user
		canDelete bool
	}{
		{"anonymous", nil, false},
		{"pin author", &author, false},
		{"comment author", &fan, true},
		{"anonymous again", nil, false},
	} {
		page := e.newBrowser(tc.viewer).get("/pins/" + id)
		expect(t, page, http.StatusOK, "nice pin")
		// Outside the comment templates, whose "-mine" one any signed-in
		// viewer gets for their own new comments.
		shown := slotTemplates.ReplaceAllString(string(page.body), "")
		if got := strings.Contains(shown, `/delete" data-js="uncomment"`); got != tc.canDelete {
			t.Errorf("%s: delete form shown = %v, want %v", tc.name, got, tc.canDelete)
		}
	}
}
