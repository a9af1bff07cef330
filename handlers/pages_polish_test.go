package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestPagePeopleLists: the follower and following counts of a profile
// link to their lists, which show each person as a link, and the words
// follow the count ("1 follower", Korean without plural).
func TestPagePeopleLists(t *testing.T) {
	f := newFixture(t)
	f.e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + f.alice.id + "/follow", token: f.bob.token})
	anon := f.e.newBrowser(nil)
	expect(t, anon.get("/users/"+f.alice.id), http.StatusOK,
		`href="/users/`+f.alice.id+`/followers"`, `href="/users/`+f.alice.id+`/following"`,
		`>1</strong> <span data-word data-single="follower" data-many="followers">follower</span>`, "<strong>1</strong> pin<")
	expect(t, anon.get("/users/"+f.alice.id+"/followers"), http.StatusOK,
		"People following "+f.alice.nickname, `href="/users/`+f.bob.id+`"`, f.bob.nickname)
	expect(t, anon.get("/users/"+f.bob.id+"/following"), http.StatusOK,
		"People "+f.bob.nickname+" follows", `href="/users/`+f.alice.id+`"`)
	expect(t, anon.get("/users/"+f.bob.id+"/followers"), http.StatusOK, "Nobody here yet.")
	expect(t, anon.get("/users/000000000000000000000000/followers"), http.StatusNotFound)
	expect(t, anon.get("/users/nope/following"), http.StatusNotFound)

	anon.lang = "ko"
	expect(t, anon.get("/users/"+f.alice.id), http.StatusOK, `data-single="팔로워" data-many="팔로워">팔로워<`)
}

// TestPagePluralForms: English says "1 pin", "2 pins"; Korean has one form.
func TestPagePluralForms(t *testing.T) {
	en, ko := newTranslator("en"), newTranslator("ko")
	for _, c := range []struct {
		tr   translator
		n    int64
		want string
	}{{en, 0, "0 pins"}, {en, 1, "1 pin"}, {en, 2, "2 pins"}, {ko, 1, "핀 1개"}, {ko, 2, "핀 2개"}} {
		if got := c.tr.N("groups.pincount", c.n); got != c.want {
			t.Errorf("%s N(%d) = %q, want %q", c.tr.lang, c.n, got, c.want)
		}
	}
	if got := en.Word("profile.followers", 1); got != "follower" {
		t.Errorf("1 %s", got)
	}
	// The script's texts: the English ".one" form must not leak into Korean.
	if _, ok := ko.jsTexts()["newpins.one"]; ok {
		t.Error("Korean scripts got the English singular")
	}
	if en.jsTexts()["newpins.one"] != "%d new pin — show" {
		t.Error("English scripts lack the singular")
	}
}

// TestPageScriptsGetTranslatedReasons: the script shows the API's field
// codes ("required") in the page's language, from texts the page carries.
func TestPageScriptsGetTranslatedReasons(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(&f.bob)
	b.lang = "ko"
	expect(t, b.get("/pins/"+f.pinID), http.StatusOK, `<data value="err:required">필수 항목입니다.</data>`,
		`<data value="err.atmost">%d자 이하로 입력하세요.</data>`)
}

// TestPageAnonymousPinOnePrompt: a signed-out visitor is asked to log in
// once on a pin page, not once per section.
func TestPageAnonymousPinOnePrompt(t *testing.T) {
	f := newFixture(t)
	r := f.e.newBrowser(nil).get("/pins/" + f.pinID)
	expect(t, r, http.StatusOK)
	if n := strings.Count(string(r.body), "Log in to like"); n != 1 {
		t.Errorf("the sign-in prompt shows %d times", n)
	}
}

// TestPageFormShowsEveryFieldError: an unusable image and an empty title
// are both reported by one submission.
func TestPageFormShowsEveryFieldError(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(&f.alice)
	b.get("/pins/new")
	r := b.postMultipart("/pins", map[string]string{"title": " ", "content": "x", "group_id": f.group}, []byte("not an image"))
	expect(t, r, http.StatusUnprocessableEntity, "Upload a JPEG, PNG, GIF or WebP image.", "Required.", "Please check the fields below.")
	r = b.postMultipart("/pins", map[string]string{"title": strings.Repeat("a", 51), "group_id": f.group}, []byte("not an image"))
	expect(t, r, http.StatusUnprocessableEntity, "Upload a JPEG, PNG, GIF or WebP image.", "Use at most 50 characters.")
}

// TestPageSearchTabs: the header's search goes to /search, whose tabs are
// links that keep the query.
func TestPageSearchTabs(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(nil)
	expect(t, b.get("/"), http.StatusOK, `action="/search"`)
	expect(t, b.get("/search?q=script"), http.StatusOK, `data-pin="`+f.pinID, `href="/search?tab=pins&amp;q=script" aria-current="page"`)
	r := b.get("/search")
	expect(t, r, http.StatusOK, "Type what you are looking for.")
	expect(t, b.get("/search?q=nothingmatches&tab=bogus"), http.StatusOK, "No pins here yet.")
}
