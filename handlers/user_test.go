package handlers

import (
	"net/http"
	"strings"
	"testing"
)

func TestPatchMe(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	cases := []struct {
		name   string
		body   any
		status int
		want   string // the message afterwards
	}{
		{"set message", map[string]string{"message": "안녕하세요"}, http.StatusOK, "안녕하세요"},
		{"no message field keeps it", map[string]string{"other": "x"}, http.StatusOK, "안녕하세요"},
		{"too long", map[string]string{"message": strings.Repeat("가", 101)}, http.StatusUnprocessableEntity, "안녕하세요"},
		{"wrong type", `{"message":["x"]}`, http.StatusBadRequest, "안녕하세요"},
		{"clear", map[string]string{"message": ""}, http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.must(tc.status, req{method: "PATCH", path: "/api/v1/me", body: tc.body, token: a.token, contentType: "application/json"})
			me := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/me", token: a.token}).json(t)
			if me["message"] != tc.want {
				t.Errorf("message = %q, want %q", me["message"], tc.want)
			}
		})
	}
	other := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + b.id}).json(t)
	if other["message"] != "" {
		t.Errorf("PATCH /me touched another user: %v", other)
	}
	e.must(http.StatusUnauthorized, req{method: "PATCH", path: "/api/v1/me", body: map[string]string{"message": "x"}})
}

func TestAvatar(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	cases := []struct {
		name     string
		filename string
		file     []byte
		status   int
	}{
		{"no image", "", nil, http.StatusUnprocessableEntity},
		{"text named .jpg", "x.jpg", []byte("this is not an image at all, just text"), http.StatusUnsupportedMediaType},
		{"png", "me.png", pngBytes(t, 50, 40, 9), http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			body, ct := form(t, nil, tc.filename, tc.file)
			r := e.must(tc.status, req{method: "PUT", path: "/api/v1/me/avatar", body: body, contentType: ct, token: u.token})
			if tc.status == http.StatusOK {
				if url := r.json(t)["avatar_url"].(string); url == defaultAvatarURL || !strings.HasPrefix(url, "/media/") {
					t.Errorf("avatar_url = %q", url)
				}
			}
		})
	}
}

func TestProfileAndFollow(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	follow := "/api/v1/users/" + b.id + "/follow"
	cases := []struct {
		name      string
		method    string
		token     string
		path      string
		status    int
		following bool
		count     float64
	}{
		{"anonymous follow", "PUT", "", follow, http.StatusUnauthorized, false, 0},
		{"follow oneself", "PUT", b.token, follow, http.StatusUnprocessableEntity, false, 0},
		{"follow", "PUT", a.token, follow, http.StatusOK, true, 1},
		{"follow again", "PUT", a.token, follow, http.StatusOK, true, 1},
		{"unfollow", "DELETE", a.token, follow, http.StatusOK, false, 0},
		{"unfollow again", "DELETE", a.token, follow, http.StatusOK, false, 0},
		{"follow back", "PUT", a.token, follow, http.StatusOK, true, 1},
		{"unknown user", "PUT", a.token, "/api/v1/users/64b7f0c2a1b2c3d4e5f60718/follow", http.StatusNotFound, false, 0},
		{"malformed id", "PUT", a.token, "/api/v1/users/zzz/follow", http.StatusNotFound, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			r := e.must(tc.status, req{method: tc.method, path: tc.path, token: tc.token})
			if tc.status != http.StatusOK {
				return
			}
			m := r.json(t)
			if m["following"] != tc.following || m["follower_count"] != tc.count {
				t.Errorf("answer = %v", m)
			}
		})
	}

	p := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + b.id, token: a.token}).json(t)
	want := map[string]any{"id": b.id, "nickname": b.nickname, "avatar_url": defaultAvatarURL, "message": "",
		"pin_count": 0.0, "follower_count": 1.0, "following_count": 0.0, "is_following": true}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("profile[%s] = %v, want %v", k, p[k], v)
		}
	}
	if _, ok := p["email"]; ok {
		t.Error("a profile shows the email")
	}
	if len(p) != len(want) {
		t.Errorf("profile has extra fields: %v", p)
	}
	anon := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + b.id}).json(t)
	if anon["is_following"] != false {
		t.Errorf("anonymous is_following = %v", anon["is_following"])
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/users/nope"})

	followers := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + b.id + "/followers"}).json(t)
	items := followers["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["id"] != a.id || followers["next_cursor"] != nil {
		t.Errorf("followers = %v", followers)
	}
	card := items[0].(map[string]any)
	if len(card) != 3 || card["nickname"] != a.nickname || card["avatar_url"] != defaultAvatarURL {
		t.Errorf("card = %v", card)
	}
	following := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + b.id + "/following"}).json(t)
	if items, ok := following["items"].([]any); !ok || len(items) != 0 {
		t.Errorf("following of b = %s", following)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/users/64b7f0c2a1b2c3d4e5f60718/followers"})
}

func TestDeleteMe(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	g := e.createGroup(a, "mine")
	pin := e.createPin(a, g, "soon gone")["id"].(string)
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + pin + "/like", token: b.token})

	cases := []struct {
		name   string
		body   any
		token  string
		status int
	}{
		{"anonymous", map[string]string{"password": a.password}, "", http.StatusUnauthorized},
		{"no body", "", a.token, http.StatusBadRequest},
		{"wrong password", map[string]string{"password": "not-my-password"}, a.token, http.StatusUnprocessableEntity},
		{"right password", map[string]string{"password": a.password}, a.token, http.StatusNoContent},
		{"token of the deleted account", map[string]string{"password": a.password}, a.token, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.must(tc.status, req{method: "DELETE", path: "/api/v1/me", body: tc.body, token: tc.token, contentType: "application/json"})
		})
	}
	e.must(http.StatusUnauthorized, req{method: "GET", path: "/api/v1/me", token: a.token})
	pins := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins"}).json(t)
	if items := pins["items"].([]any); len(items) != 0 {
		t.Errorf("the deleted user's pins are still listed: %v", items)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/" + pin})
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/users/" + a.id})
	bp := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + b.id}).json(t)
	if bp["following_count"] != 0.0 {
		t.Errorf("b still follows the deleted user: %v", bp)
	}
	// The email is free again.
	e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/auth/signup",
		body: map[string]string{"email": a.email, "nickname": "reborn", "password": "plenty-long-9"}})
}
