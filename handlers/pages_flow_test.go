package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var idInPath = regexp.MustCompile(`/(?:pins|groups)/([0-9a-f]{24})`)

// idOf returns the id in a redirect target such as /pins/<id>.
func idOf(t *testing.T, r resp) string {
	t.Helper()
	m := idInPath.FindStringSubmatch(location(r))
	if m == nil {
		t.Fatalf("redirect %q (status %d) names no id: %.300s", location(r), r.status, r.body)
	}
	return m[1]
}

// TestPageFormsWithoutJavaScript walks the product through plain forms:
// sign up, make a group and a pin, fix a refused form, edit, comment,
// like, save, follow, read notifications, edit the profile, log out and
// delete the account.
func TestPageFormsWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	a := e.newBrowser(nil)
	a.get("/signup")
	r := a.post("/signup", map[string]string{"email": "bad", "nickname": "한글닉", "password": "x"})
	expect(t, r, http.StatusUnprocessableEntity, "Enter a valid email address.", `value="한글닉"`, "Use at least 8 characters.")
	r = a.post("/signup", map[string]string{"email": "alice@example.com", "nickname": "alice", "password": "correct horse battery"})
	if r.status != http.StatusSeeOther || location(r) != "/groups/new" || a.cookies[sessionCookie] == "" {
		t.Fatalf("signup: %d %q cookies %v", r.status, location(r), a.cookies)
	}
	expect(t, a.get("/groups/new"), http.StatusOK, "Welcome!", "Cover image")
	aliceID := idOfUser(t, a)
	expect(t, a.get("/pins/new"), http.StatusOK, "create a group first")

	r = a.postMultipart("/groups", map[string]string{"title": "", "content": "kept text"}, pngBytes(t, 30, 20, 3))
	expect(t, r, http.StatusUnprocessableEntity, "Required.", "kept text")
	group := idOf(t, a.postMultipart("/groups", map[string]string{"title": "Trips", "content": "places"}, pngBytes(t, 30, 20, 3)))
	expect(t, a.get("/groups"), http.StatusOK, "Trips", "0 pins")

	r = a.postMultipart("/pins", map[string]string{"title": "Seoul", "content": "night", "group_id": group}, []byte("not an image"))
	expect(t, r, http.StatusUnprocessableEntity, "Upload a JPEG, PNG, GIF or WebP image.", `value="Seoul"`)
	pin := idOf(t, a.postMultipart("/pins", map[string]string{"title": "Seoul", "content": "night", "group_id": group}, pngBytes(t, 60, 90, 4)))
	page := a.get("/pins/" + pin)
	expect(t, page, http.StatusOK, "Pin posted.", "Seoul", `width="60" height="90"`)
	if len(e.pub.find(topicPins, evPinCreated)) != 1 {
		t.Error("pin.created was not published")
	}
	img := regexp.MustCompile(`src="(/media/[^"]+)"`).FindSubmatch(page.body)

	// Editing without a new image keeps the old one.
	expect(t, a.get("/pins/"+pin+"/edit"), http.StatusOK, `value="Seoul"`, "leave empty to keep")
	r = a.postMultipart("/pins/"+pin+"/edit", map[string]string{"title": "Busan", "content": "sea", "group_id": group}, nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %.400s", r.status, r.body)
	}
	expect(t, a.get("/pins/"+pin), http.StatusOK, "Busan", "sea", string(img[1]))
	expect(t, a.get("/groups/"+group), http.StatusOK, "Busan", "1 pin<")

	// Bob comments, likes, saves and follows through forms.
	bob := e.signup()
	b := e.newBrowser(&bob)
	bobID := idOfUser(t, b)
	b.get("/pins/" + pin)
	expect(t, b.post("/pins/"+pin+"/comments", map[string]string{"content": ""}), http.StatusUnprocessableEntity, "Required.")
	expect(t, b.post("/pins/"+pin+"/comments", map[string]string{"content": "멋져요"}), http.StatusSeeOther)
	expect(t, b.post("/pins/"+pin+"/like", map[string]string{"on": "1"}), http.StatusSeeOther)
	expect(t, b.post("/pins/"+pin+"/bookmark", map[string]string{"on": "1"}), http.StatusSeeOther)
	expect(t, b.post("/users/"+aliceID+"/follow", map[string]string{"on": "1", "next": "/pins/" + pin}), http.StatusSeeOther)
	page = b.get("/pins/" + pin)
	expect(t, page, http.StatusOK, "멋져요", `aria-pressed="true"`, `data-count="likes">1<`, `data-count="followers" data-user="`+aliceID+`">1<`, "Unfollow")
	expect(t, b.get("/bookmarks"), http.StatusOK, "Busan")
	expect(t, b.get("/feed"), http.StatusOK, "Busan")
	for _, ev := range []string{evCommentCreated, evPinLiked, evPinBookmarked} {
		if len(e.pub.find("pin:"+pin, ev)) != 1 {
			t.Errorf("%s was not published once", ev)
		}
	}

	// Alice has three notifications and a badge on every page; opening
	// the notifications page reads them (still marked new there, once),
	// each actor's name a link to their profile. The comment's and the
	// like's notifications are written after the response.
	eventually(t, 10*time.Second, "three notifications", func() bool {
		return strings.Contains(string(a.get("/").body), `data-unread>3<`)
	})
	r = a.get("/notifications")
	expect(t, r, http.StatusOK, `<a class="actor" href="/users/`+bobID+`">`, "</a> followed you", "liked your pin", "commented on your pin",
		`class="note unread"`, `data-unread hidden>0<`)
	expect(t, a.get("/"), http.StatusOK, `data-unread hidden>0<`)
	if strings.Contains(string(a.get("/notifications").body), `class="note unread"`) {
		t.Error("the notifications are still unread after the page was opened")
	}
	expect(t, a.post("/notifications/read", nil), http.StatusSeeOther)

	// Profile: message saved, default avatar kept.
	expect(t, a.get("/settings/profile"), http.StatusOK, `name="message"`)
	expect(t, a.postMultipart("/settings/profile", map[string]string{"message": "hello <world>"}, nil), http.StatusSeeOther)
	expect(t, a.get("/users/"+aliceID), http.StatusOK, "hello &lt;world&gt;", "/static/img/avatar.svg", "Profile saved.")

	// Bob deletes his comment and unfollows.
	cid := regexp.MustCompile(`/comments/([0-9a-f]{24})/delete`).FindSubmatch(page.body)
	if cid == nil {
		t.Fatal("no delete button on one's own comment")
	}
	expect(t, b.post("/comments/"+string(cid[1])+"/delete", nil), http.StatusSeeOther)
	expect(t, b.post("/users/"+aliceID+"/follow", map[string]string{"on": "0"}), http.StatusSeeOther)
	page = b.get("/pins/" + pin)
	if strings.Contains(string(page.body), "멋져요") {
		t.Error("the deleted comment is still shown")
	}

	// Log out, then delete the account (wrong password first).
	expect(t, b.post("/logout", nil), http.StatusSeeOther)
	if b.cookies[sessionCookie] != "" {
		t.Error("log-out kept the session cookie")
	}
	expect(t, a.get("/settings/delete"), http.StatusOK, "current-password")
	expect(t, a.post("/settings/delete", map[string]string{"password": "nope nope nope"}), http.StatusUnprocessableEntity, "Wrong password.")
	expect(t, a.post("/settings/delete", map[string]string{"password": "correct horse battery"}), http.StatusSeeOther)
	expect(t, e.newBrowser(nil).get("/pins/"+pin), http.StatusNotFound)
}

// idOfUser reads the signed-in user's id from the page header.
func idOfUser(t *testing.T, b *browser) string {
	t.Helper()
	m := regexp.MustCompile(`data-me="([0-9a-f]{24})"`).FindSubmatch(b.get("/").body)
	if m == nil {
		t.Fatal("not signed in")
	}
	return string(m[1])
}

func TestPageLoginForm(t *testing.T) {
	e := newEnv(t)
	u := e.signup()
	b := e.newBrowser(nil)
	b.get("/login?next=/bookmarks")
	r := b.post("/login", map[string]string{"email": u.email, "password": "wrong password!", "next": "/bookmarks"})
	expect(t, r, http.StatusUnauthorized, "The email or the password is wrong.", u.email)
	r = b.post("/login", map[string]string{"email": u.email, "password": u.password, "next": "https://evil.example/"})
	if r.status != http.StatusSeeOther || location(r) != "/" {
		t.Fatalf("login: %d to %q", r.status, location(r))
	}
	r = b.post("/login", map[string]string{"email": u.email, "password": u.password, "next": "/bookmarks"})
	if location(r) != "/bookmarks" {
		t.Fatalf("login went to %q", location(r))
	}
	expect(t, b.get("/bookmarks"), http.StatusOK, "You are logged in.", u.nickname)
}
