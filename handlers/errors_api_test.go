package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIErrorBodiesUnchanged pins the exact bodies of representative
// refusals: the store reports field codes, and the API must keep sending
// the English it always has (docs/API.md), byte for byte.
func TestAPIErrorBodiesUnchanged(t *testing.T) {
	e := newEnv(t)
	a := e.signup()
	own := e.createGroup(a, "mine")
	b := e.signup()
	foreign := e.createGroup(b, "theirs")
	pin := e.createPin(a, own, "a pin")["id"].(string)

	multipart := func(fields map[string]string, file []byte) (any, string) {
		body, ct := form(t, fields, "f.png", file)
		return body, ct
	}
	groupBody, groupCT := multipart(map[string]string{"title": " ", "secret": "maybe"}, nil)
	longBody, longCT := multipart(map[string]string{"title": strings.Repeat("가", 51), "content": strings.Repeat("x", 5001)}, pngBytes(t, 20, 20, 3))
	pinBody, pinCT := multipart(map[string]string{"title": "t", "group_id": foreign}, pngBytes(t, 20, 20, 4))
	notImage, notImageCT := multipart(map[string]string{"title": "t", "group_id": own}, []byte("not an image"))
	damaged, damagedCT := multipart(map[string]string{"title": "t", "group_id": own}, pngBytes(t, 64, 64, 5)[:120])

	for _, tc := range []struct {
		name   string
		r      req
		status int
		body   string
	}{
		{"sign-up rules", req{method: "POST", path: "/api/v1/auth/signup",
			body: map[string]string{"email": "", "nickname": "", "password": "1234567"}}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"email":"Enter your email.","nickname":"Enter a nickname.","password":"Use at least 8 characters."}}}`},
		{"sign-up formats", req{method: "POST", path: "/api/v1/auth/signup",
			body: map[string]string{"email": "a@b", "nickname": "abcdefghijk", "password": "123456789"}}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"email":"Enter a valid email address.","nickname":"Use at most 10 characters.","password":"Use something other than digits only."}}}`},
		{"sign-up letters and similarity", req{method: "POST", path: "/api/v1/auth/signup",
			body: map[string]string{"email": "x@example.com", "nickname": "a-b", "password": "password"}}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"nickname":"Use letters and digits only.","password":"This password is too common."}}}`},
		{"sign-up taken", req{method: "POST", path: "/api/v1/auth/signup",
			body: map[string]string{"email": a.email, "nickname": a.nickname, "password": "correct horse battery"}}, http.StatusConflict,
			`{"error":{"code":"conflict","message":"Already taken.","fields":{"email":"This email is already registered.","nickname":"This nickname is taken."}}}`},
		{"wrong JSON type", req{method: "POST", path: "/api/v1/auth/signup", body: `{"email":1}`}, http.StatusBadRequest,
			`{"error":{"code":"malformed","message":"Malformed JSON: wrong type.","fields":{"email":"must be a string"}}}`},
		{"message too long", req{method: "PATCH", path: "/api/v1/me", token: a.token,
			body: map[string]string{"message": strings.Repeat("m", 101)}}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"message":"Use at most 100 characters."}}}`},
		{"wrong password", req{method: "DELETE", path: "/api/v1/me", token: a.token,
			body: map[string]string{"password": "not the one"}}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"password":"Wrong password."}}}`},
		{"bad limit", req{method: "GET", path: "/api/v1/pins?limit=0"}, http.StatusBadRequest,
			`{"error":{"code":"malformed","message":"Malformed limit.","fields":{"limit":"must be a whole number from 1 to 100"}}}`},
		{"bad secret", req{method: "POST", path: "/api/v1/groups", token: a.token, body: groupBody, contentType: groupCT}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"secret":"must be true or false"}}}`},
		{"group text too long", req{method: "POST", path: "/api/v1/groups", token: a.token, body: longBody, contentType: longCT}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"content":"at most 5000 characters","title":"at most 50 characters"}}}`},
		{"pin into someone else's group, no image", req{method: "POST", path: "/api/v1/pins", token: a.token, body: pinBody, contentType: pinCT}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"group_id":"not one of your groups"}}}`},
		{"empty comment", req{method: "POST", path: "/api/v1/pins/" + pin + "/comments", token: a.token,
			body: map[string]string{"content": "  "}}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"content":"required"}}}`},
		{"empty avatar", req{method: "PUT", path: "/api/v1/me/avatar", token: a.token, body: groupBody, contentType: groupCT}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"Invalid input.","fields":{"image":"required"}}}`},
		{"not an image", req{method: "POST", path: "/api/v1/pins", token: a.token, body: notImage, contentType: notImageCT}, http.StatusUnsupportedMediaType,
			`{"error":{"code":"unsupported","message":"Not a supported image: upload a JPEG, PNG, GIF or WebP file."}}`},
		{"damaged image", req{method: "POST", path: "/api/v1/pins", token: a.token, body: damaged, contentType: damagedCT}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"The PNG image is damaged, truncated or uses an unsupported feature."}}`},
		{"save into the group it was posted in", req{method: "PUT", path: "/api/v1/pins/" + pin + "/saves/" + own, token: a.token}, http.StatusUnprocessableEntity,
			`{"error":{"code":"invalid","message":"This pin is already in that group."}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.with(t).do(tc.r)
			if r.status != tc.status || string(r.body) != tc.body {
				t.Errorf("%d %s\nwant %d %s", r.status, r.body, tc.status, tc.body)
			}
		})
	}
}
