package handlers

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mypinterest/public"
)

func TestPageTemplatesParseInEveryLanguage(t *testing.T) {
	tpl, err := parsePages(newFragments(DefaultCacheBytes))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		for _, page := range public.Pages {
			if tpl[lang][page] == nil || tpl[lang][page].Lookup("content") == nil {
				t.Errorf("%s/%s: not defined", lang, page)
			}
		}
	}
}

func TestPageCatalogHasEveryKeyInEveryLanguage(t *testing.T) {
	for _, a := range languages {
		for _, b := range languages {
			for k := range catalog[a] {
				// Only a language with plurals has ".one" forms.
				if _, ok := catalog[b][k]; !ok && !(b == "ko" && strings.HasSuffix(k, ".one")) {
					t.Errorf("%q is in %s but not in %s", k, a, b)
				}
			}
		}
	}
}

// fixture is two users, a group and a pin of the first, whose title is
// markup that must come out escaped.
type fixture struct {
	e            *testEnv
	alice, bob   user
	group, pinID string
}

const evilTitle = `<script>alert(1)</script>`

func newFixture(t *testing.T) *fixture {
	e := newEnv(t)
	f := &fixture{e: e, alice: e.signup(), bob: e.signup()}
	f.group = e.createGroup(f.alice, "travel")
	f.pinID = e.createPin(f.alice, f.group, evilTitle)["id"].(string)
	return f
}

func TestPageAnonymousVisitor(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(nil)
	escaped := "&lt;script&gt;alert(1)&lt;/script&gt;"
	cases := []struct {
		name, path string
		status     int
		wants      []string
	}{
		{"home grid", "/", http.StatusOK, []string{escaped, `data-pin="` + f.pinID, `width="50" height="40"`, "236w", "736w", `href="/login"`}},
		{"search", "/?q=script", http.StatusOK, []string{escaped}},
		{"pin detail", "/pins/" + f.pinID, http.StatusOK, []string{escaped, "disabled", "Log in to like", f.alice.nickname,
			`data-viewers hidden`, `<data value="viewing">%d viewing</data>`}},
		{"profile", "/users/" + f.alice.id, http.StatusOK, []string{f.alice.nickname, "/static/img/avatar.svg", escaped}},
		{"unknown pin", "/pins/000000000000000000000000", http.StatusNotFound, []string{"Not found"}},
		{"unknown page", "/no/such/page", http.StatusNotFound, []string{"Not found"}},
		{"login", "/login", http.StatusOK, []string{`name="_csrf"`, `autocomplete="current-password"`}},
		{"signup", "/signup", http.StatusOK, []string{`name="nickname"`}},
		{"korean", "/lang/ko?next=/", http.StatusSeeOther, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.get(tc.path)
			expect(t, r, tc.status, tc.wants...)
			if strings.Contains(string(r.body), evilTitle) {
				t.Error("the pin title is not escaped")
			}
		})
	}
	if r := b.get("/"); !strings.Contains(string(r.body), "둘러보기") {
		t.Errorf("after the switch the page is not Korean: %.300s", r.body)
	}
	// The pin page's live "N viewing" (docs/LIVE.md §Presence) in Korean.
	expect(t, b.get("/pins/"+f.pinID), http.StatusOK, `data-viewers hidden`, `<data value="viewing">%d명 보는 중</data>`)
	for _, path := range []string{"/feed", "/bookmarks", "/groups", "/pins/new", "/notifications", "/settings/profile"} {
		r := b.get(path)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(location(r), "/login?next=") {
			t.Errorf("%s: %d %q, want a redirect to log in", path, r.status, location(r))
		}
	}
}

func TestPageAcceptLanguage(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser(nil)
	b.lang = "ko-KR,ko;q=0.9,en;q=0.5"
	expect(t, b.get("/login"), http.StatusOK, `<html lang="ko">`, "로그인")
	b.lang = "fr"
	expect(t, b.get("/login"), http.StatusOK, `<html lang="en">`, "Log in")
}

func TestPageCSRF(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(&f.bob)
	b.get("/pins/" + f.pinID)
	if b.csrf == "" {
		t.Fatal("no CSRF token on the page")
	}
	t.Run("form without token", func(t *testing.T) {
		r := b.post("/pins/"+f.pinID+"/comments", map[string]string{"content": "hi", csrfField: ""})
		expect(t, r, http.StatusForbidden, "Not allowed")
	})
	t.Run("form with a wrong token", func(t *testing.T) {
		r := b.post("/pins/"+f.pinID+"/like", map[string]string{"on": "1", csrfField: "forged"})
		expect(t, r, http.StatusForbidden)
	})
	t.Run("no token stored for signed-out page views", func(t *testing.T) {
		anon := f.e.newBrowser(nil)
		anon.get("/pins/" + f.pinID)
		if anon.cookies[csrfCookie] != "" {
			t.Error("a signed-out visitor of a page without forms got a token")
		}
		anon.get("/login")
		if anon.cookies[csrfCookie] == "" || anon.csrf == "" {
			t.Error("the log-in form has no token")
		}
	})
	t.Run("login form without token", func(t *testing.T) {
		anon := f.e.newBrowser(nil)
		r := anon.post("/login", map[string]string{"email": f.bob.email, "password": f.bob.password})
		expect(t, r, http.StatusForbidden)
	})
	t.Run("API with the cookie and no header", func(t *testing.T) {
		r := b.send("PUT", "/api/v1/pins/"+f.pinID+"/like", nil, "")
		if r.status != http.StatusForbidden || r.errCode(t) != "forbidden" {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("API with the cookie and the header", func(t *testing.T) {
		hr := req{method: "PUT", path: "/api/v1/pins/" + f.pinID + "/like", header: map[string]string{
			csrfHeader: b.csrf, "Cookie": sessionCookie + "=" + f.bob.token + "; " + csrfCookie + "=" + b.cookies[csrfCookie]}}
		f.e.must(http.StatusOK, hr)
	})
	t.Run("API with a Bearer token needs none", func(t *testing.T) {
		f.e.must(http.StatusOK, req{method: "DELETE", path: "/api/v1/pins/" + f.pinID + "/like", token: f.bob.token})
	})
	t.Run("form with the token", func(t *testing.T) {
		r := b.post("/pins/"+f.pinID+"/comments", map[string]string{"content": "hello <b>there</b>"})
		if r.status != http.StatusSeeOther {
			t.Fatalf("status %d: %.400s", r.status, r.body)
		}
		expect(t, b.get("/pins/"+f.pinID), http.StatusOK, "hello &lt;b&gt;there&lt;/b&gt;", "Comment posted.")
	})
}

func TestPageOwnership(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(&f.bob)
	b.get("/")
	expect(t, b.get("/pins/"+f.pinID+"/edit"), http.StatusForbidden, "Not allowed")
	expect(t, b.postMultipart("/pins/"+f.pinID+"/edit", map[string]string{"title": "mine"}, nil), http.StatusForbidden)
	expect(t, b.post("/pins/"+f.pinID+"/delete", nil), http.StatusForbidden)
	// A public group is everyone's to see, without its owner's buttons.
	if r := b.get("/groups/" + f.group); r.status != http.StatusOK || strings.Contains(string(r.body), "/groups/"+f.group+"/edit") {
		t.Errorf("another's public group: %d, or it shows the edit link", r.status)
	}
	expect(t, b.get("/groups/"+f.group+"/edit"), http.StatusForbidden)
	expect(t, b.post("/groups/"+f.group+"/delete", nil), http.StatusForbidden)
	// The author sees the buttons a visitor does not.
	r := f.e.newBrowser(&f.alice).get("/pins/" + f.pinID)
	expect(t, r, http.StatusOK, "/pins/"+f.pinID+"/edit", "/pins/"+f.pinID+"/delete")
	if strings.Contains(string(b.get("/pins/"+f.pinID).body), "/pins/"+f.pinID+"/edit") {
		t.Error("a visitor sees the edit link")
	}
}

// TestPageTextsExist checks that every text a template or a flash asks
// for is in the catalogue (T would otherwise show the bare key).
func TestPageTextsExist(t *testing.T) {
	keys := map[string]bool{}
	tmplKey := regexp.MustCompile(`\btf? "([a-z0-9_.]+)"`)
	err := fs.WalkDir(public.Templates(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(public.Templates(), path)
		for _, m := range tmplKey.FindAllSubmatch(b, -1) {
			keys[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`(?:v\.t\("([a-z0-9_.]+)"\)|w\.redirect\([^,]+, [^,]+, "([a-z]+)"\))`)
	files, _ := filepath.Glob("pages*.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllSubmatch(b, -1) {
			if len(m[1]) > 0 {
				keys[string(m[1])] = true
			} else {
				keys["flash."+string(m[2])] = true
			}
		}
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys; is the pattern right?", len(keys))
	}
	for k := range keys {
		for _, lang := range languages {
			if _, ok := catalog[lang][k]; !ok {
				t.Errorf("%s: no text for %q", lang, k)
			}
		}
	}
}

func TestPageMoreLinkKeepsTheSearch(t *testing.T) {
	tpl, err := parsePages(newFragments(DefaultCacheBytes))
	if err != nil {
		t.Fatal(err)
	}
	v := &view{Lang: "en", Query: "a&b c", Form: map[string]string{}, Errors: map[string]string{}}
	next := "c1.next"
	v.setPins(nil, &next, "/api/v1/pins?q=a%26b+c")
	var buf bytes.Buffer
	if err := tpl["en"]["home"].ExecuteTemplate(&buf, "layout", v); err != nil {
		t.Fatal(err)
	}
	if want := `href="?cursor=c1.next&amp;q=a%26b&#43;c" data-more`; !strings.Contains(buf.String(), want) {
		t.Errorf("no %s in %s", want, buf.String())
	}
}

func TestPageScriptedUploadGetsTheTargetNotARedirect(t *testing.T) {
	f := newFixture(t)
	b := f.e.newBrowser(&f.alice)
	b.get("/groups/new")
	b.headers = map[string]string{"X-Requested-With": "XMLHttpRequest"}
	r := b.postMultipart("/groups", map[string]string{"title": "Scripted"}, pngBytes(t, 20, 20, 9))
	if r.status != http.StatusNoContent || !strings.HasPrefix(r.header.Get("X-Location"), "/groups/") {
		t.Fatalf("status %d, X-Location %q", r.status, r.header.Get("X-Location"))
	}
	b.headers = nil
	expect(t, b.get(r.header.Get("X-Location")), http.StatusOK, "Group created.", "Scripted")
	// A refused form comes back whole, for the script to show.
	b.headers = map[string]string{"X-Requested-With": "XMLHttpRequest"}
	expect(t, b.postMultipart("/groups", map[string]string{"title": ""}, nil), http.StatusUnprocessableEntity, "<main", "Required.")
}
