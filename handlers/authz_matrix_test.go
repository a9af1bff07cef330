package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAuthorizationMatrix is generated from the route table: every route
// that changes state (API and form) needs an entry in authzRoutes, and
// each is tried by the owner of what it targets, by another user, by an
// anonymous visitor and with a tampered token. Everyone but the owner is
// refused (API: 401 without a valid session, 403/404 for someone else's
// thing; forms: a redirect to the log-in page, or 403/404), and a re-read
// as the owner shows that nothing changed. A new mutating route without an
// entry fails this test.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			continue
		}
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		rc, ok := authzRoutes[key]
		if !ok {
			t.Errorf("%s changes state and has no entry in authzRoutes: say who may call it", key)
			continue
		}
		if rc.public != "" {
			continue
		}
		t.Run(key, func(t *testing.T) { runAuthzCase(t, e.with(t), r.Method, r.Path, rc) })
	}
	for key := range authzRoutes {
		if !seen[key] {
			t.Errorf("authzRoutes lists %s, which is no longer a route", key)
		}
	}
}

// authzRoute says who may call a mutating route and how to call it.
type authzRoute struct {
	// public, when set, says why anyone may call it (no matrix).
	public string
	// anyUser: every signed-in user may call it, acting as themselves
	// (follow someone, like a pin); only the refusals of the anonymous
	// and the tampered token are checked.
	anyUser bool
	// self: it acts on the caller's own account (no target); another
	// user's call changes their account, never the owner's.
	self bool
	// otherOK are the statuses another user may get besides 403 and 404.
	otherOK []int
	// fields of the request (JSON for the API, a form for pages); an
	// "image" field sends an image file (multipart).
	fields func(f *authzFixture) map[string]string
}

func fields(kv ...string) func(*authzFixture) map[string]string {
	return func(f *authzFixture) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = strings.NewReplacer("$group", f.group, "$password", f.owner.password).Replace(kv[i+1])
		}
		return m
	}
}

var authzRoutes = map[string]authzRoute{
	"POST /api/v1/auth/signup": {public: "creates an account; refuseCrossSite and the content type guard it"},
	"POST /api/v1/auth/login":  {public: "checks credentials; rate limited"},
	"POST /api/v1/auth/logout": {public: "ends the caller's own session, if any"},
	"POST /signup":             {public: "creates an account; CSRF token and Origin checked"},
	"POST /login":              {public: "checks credentials; rate limited"},
	"POST /logout":             {public: "ends the caller's own session, if any"},

	"PATCH /api/v1/me":                {self: true, fields: fields("message", "changed")},
	"DELETE /api/v1/me":               {self: true, fields: fields("password", "$password")},
	"PUT /api/v1/me/avatar":           {self: true, fields: fields("image", "")},
	"POST /api/v1/notifications/read": {self: true},
	"POST /settings/profile":          {self: true, fields: fields("message", "changed")},
	"POST /settings/delete":           {self: true, fields: fields("password", "$password")},
	"POST /notifications/read":        {self: true},

	"PUT /api/v1/users/:id/follow":     {anyUser: true},
	"DELETE /api/v1/users/:id/follow":  {anyUser: true},
	"POST /users/:id/follow":           {anyUser: true, fields: fields("on", "1")},
	"PUT /api/v1/pins/:id/like":        {anyUser: true},
	"DELETE /api/v1/pins/:id/like":     {anyUser: true},
	"PUT /api/v1/pins/:id/bookmark":    {anyUser: true},
	"DELETE /api/v1/pins/:id/bookmark": {anyUser: true},
	"POST /api/v1/pins/:id/comments":   {anyUser: true, fields: fields("content", "hello")},
	"POST /pins/:id/like":              {anyUser: true, fields: fields("on", "1")},
	"POST /pins/:id/bookmark":          {anyUser: true, fields: fields("on", "1")},
	"POST /pins/:id/comments":          {anyUser: true, fields: fields("content", "hello")},
	"POST /api/v1/groups":              {anyUser: true, fields: fields("title", "new", "image", "")},
	"POST /groups":                     {anyUser: true, fields: fields("title", "new", "image", "")},

	"PATCH /api/v1/groups/:id":  {fields: fields("title", "taken over")},
	"DELETE /api/v1/groups/:id": {},
	"POST /groups/:id/edit":     {fields: fields("title", "taken over")},
	"POST /groups/:id/delete":   {},
	// Posting into someone else's group: the group is what is owned.
	"POST /api/v1/pins": {otherOK: []int{http.StatusUnprocessableEntity}, fields: fields("title", "intruder", "group_id", "$group", "image", "")},
	// The pin page's picker on someone else's group (the fixture's pin
	// was posted into it, where a save is refused, so this unsaves).
	"POST /pins/:id/save":         {fields: fields("unsave", "$group")},
	"POST /pins":                  {otherOK: []int{http.StatusUnprocessableEntity}, fields: fields("title", "intruder", "group_id", "$group", "image", "")},
	"PATCH /api/v1/pins/:id":      {fields: fields("title", "taken over")},
	"DELETE /api/v1/pins/:id":     {},
	"POST /pins/:id/edit":         {fields: fields("title", "taken over", "content", "text", "group_id", "$group")},
	"POST /pins/:id/delete":       {},
	"DELETE /api/v1/comments/:id": {},
	// Saving into someone else's group: the group is what is owned (the
	// owner's second group, since a pin cannot be saved where it was
	// posted).
	"PUT /api/v1/pins/:id/saves/:group_id":    {},
	"DELETE /api/v1/pins/:id/saves/:group_id": {},
	"POST /comments/:id/delete":               {},
}

// authzFixture is one owner's account, group, pin (with a comment of the
// owner) and a notification, plus another user.
type authzFixture struct {
	owner, other        user
	group, pin, comment string
	saveGroup           string // another group of the owner's, to save the pin into
	tampered            string // the owner's token with a changed signature
}

func newAuthzFixture(e *testEnv) *authzFixture {
	f := &authzFixture{owner: e.signup(), other: e.signup()}
	f.group = e.createGroup(f.owner, "mine")
	f.saveGroup = e.createGroup(f.owner, "saved")
	f.pin = e.createPin(f.owner, f.group, "my pin")["id"].(string)
	f.comment = e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + f.pin + "/comments", token: f.owner.token,
		body: map[string]string{"content": "my comment"}}).json(e.t)["id"].(string)
	// A notification for the owner, so that marking read changes something.
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + f.owner.id + "/follow", token: e.signup().token})
	// It is written after the response: wait for it, or the snapshot
	// taken before a request would race it.
	eventually(e.t, 5*time.Second, "the follow notification", func() bool {
		r := e.do(req{method: "GET", path: "/api/v1/notifications", token: f.owner.token})
		return r.status == http.StatusOK && strings.Contains(string(r.body), `"kind":"follow"`)
	})
	parts := strings.Split(f.owner.token, ".")
	sig := []byte(parts[2])
	sig[len(sig)/2] ^= 1
	f.tampered = parts[0] + "." + parts[1] + "." + string(sig)
	return f
}

// target is the route's path for the fixture's objects.
func (f *authzFixture) target(path string) string {
	id := ""
	switch {
	case strings.Contains(path, "/users/"):
		id = f.owner.id
	case strings.Contains(path, "/groups/"):
		id = f.group
	case strings.Contains(path, "/comments/:id"):
		id = f.comment
	case strings.Contains(path, "/pins/"):
		id = f.pin
	}
	return strings.Replace(strings.Replace(path, ":id", id, 1), ":group_id", f.saveGroup, 1)
}

// snapshot is everything of the owner's that a mutating route could
// change, read through the API as the owner.
func (f *authzFixture) snapshot(e *testEnv) string {
	var b strings.Builder
	for _, p := range []string{"/api/v1/me", "/api/v1/groups", "/api/v1/groups/" + f.group, "/api/v1/pins/" + f.pin,
		"/api/v1/pins/" + f.pin + "/comments", "/api/v1/users/" + f.owner.id, "/api/v1/users/" + f.owner.id + "/pins",
		"/api/v1/users/" + f.owner.id + "/followers", "/api/v1/notifications", "/api/v1/me/bookmarks"} {
		r := e.do(req{method: "GET", path: p, token: f.owner.token})
		fmt.Fprintf(&b, "%s %d %s\n", p, r.status, r.body)
	}
	return b.String()
}

// authzActor is who makes the request.
type authzActor struct {
	name  string
	token string // "" for the anonymous visitor
}

func runAuthzCase(t *testing.T, e *testEnv, method, path string, rc authzRoute) {
	f := newAuthzFixture(e)
	api := strings.HasPrefix(path, "/api/")
	actors := []authzActor{{"anonymous", ""}, {"tampered token", f.tampered}}
	if !rc.anyUser {
		actors = append(actors, authzActor{"another user", f.other.token})
	}
	for _, a := range actors {
		before := f.snapshot(e)
		res := authzDo(e, f, method, path, rc, a.token, api)
		switch {
		case a.name == "another user" && rc.self:
			// Acts on the other user's own account: fine, as long as the
			// owner's is untouched (checked below).
		case a.name == "another user":
			if res.status != http.StatusForbidden && res.status != http.StatusNotFound && !slices.Contains(rc.otherOK, res.status) {
				t.Errorf("%s: status %d, want 403 or 404: %.300s", a.name, res.status, res.body)
			}
		case api:
			if res.status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401: %.300s", a.name, res.status, res.body)
			}
		default:
			toLogin := res.status == http.StatusSeeOther && strings.HasPrefix(location(res), "/login")
			if res.status != http.StatusUnauthorized && !toLogin {
				t.Errorf("%s: status %d to %q, want 401 or a redirect to the log-in page: %.300s", a.name, res.status, location(res), res.body)
			}
		}
		if after := f.snapshot(e); after != before {
			t.Errorf("%s changed the owner's data:\nbefore:\n%s\nafter:\n%s", a.name, before, after)
		}
	}
	// Whoever may call it can: the route works at all, so the refusals
	// above mean something. For routes open to every user that is the
	// other user (one cannot like one's own pin or follow oneself).
	allowed := f.owner.token
	if rc.anyUser {
		allowed = f.other.token
	}
	res := authzDo(e, f, method, path, rc, allowed, api)
	if res.status >= 400 || (!api && strings.HasPrefix(location(res), "/login")) {
		t.Errorf("allowed caller: status %d to %q: %.300s", res.status, location(res), res.body)
	}
}

// authzDo sends the route's request as the holder of token: a Bearer
// request for the API, a browser form post (with a CSRF token from a page
// loaded with the same cookie) for pages.
func authzDo(e *testEnv, f *authzFixture, method, path string, rc authzRoute, token string, api bool) resp {
	e.t.Helper()
	var fs map[string]string
	if rc.fields != nil {
		fs = rc.fields(f)
	}
	_, withImage := fs["image"]
	delete(fs, "image")
	target := f.target(path)
	if api {
		r := req{method: method, path: target, token: token}
		switch {
		case withImage:
			r.body, r.contentType = form(e.t, fs, "i.png", pngBytes(e.t, 30, 20, 9))
		case fs != nil:
			r.body = fs
		}
		return e.do(r)
	}
	b := e.newBrowser(nil)
	if token != "" {
		b.cookies[sessionCookie] = token
	}
	b.get("/login") // a CSRF token for this browser, signed in or not
	// Multipart for every form: the upload forms need it, and the others
	// read their fields from either encoding.
	var img []byte
	if withImage {
		img = pngBytes(e.t, 30, 20, 9)
	}
	return b.postMultipart(target, fs, img)
}
