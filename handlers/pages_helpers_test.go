package handlers

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a cookie-keeping client of the test app that, like a real
// browser, sends the CSRF token it found on the last page it loaded.
type browser struct {
	e       *testEnv
	cookies map[string]string
	csrf    string
	lang    string
	headers map[string]string // sent with every request
}

// newBrowser returns a browser, signed in as u when u is non-nil.
func (e *testEnv) newBrowser(u *user) *browser {
	b := &browser{e: e, cookies: map[string]string{}, lang: "en"}
	if u != nil {
		b.cookies[sessionCookie] = u.token
	}
	return b
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// send does one request with the browser's cookies and keeps the cookies
// and the CSRF token of the answer.
func (b *browser) send(method, path string, body io.Reader, contentType string) resp {
	b.e.t.Helper()
	hr := httptest.NewRequest(method, path, body)
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	hr.Header.Set("Accept-Language", b.lang)
	for k, v := range b.headers {
		hr.Header.Set(k, v)
	}
	for k, v := range b.cookies {
		hr.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := b.e.app.Test(hr, -1)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfMeta.FindSubmatch(raw); m != nil && len(m[1]) > 0 {
		b.csrf = string(m[1])
	}
	return resp{status: res.StatusCode, header: res.Header, cookies: res.Cookies(), body: raw}
}

// get loads a page.
func (b *browser) get(path string) resp {
	b.e.t.Helper()
	return b.send("GET", path, nil, "")
}

// post submits a url-encoded form with the page's CSRF token added.
func (b *browser) post(path string, fields map[string]string) resp {
	b.e.t.Helper()
	v := url.Values{}
	for k, x := range fields {
		v.Set(k, x)
	}
	if _, ok := fields[csrfField]; !ok && b.csrf != "" {
		v.Set(csrfField, b.csrf)
	}
	return b.send("POST", path, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
}

// postMultipart submits a multipart form (with an optional image) and the
// CSRF token.
func (b *browser) postMultipart(path string, fields map[string]string, file []byte) resp {
	b.e.t.Helper()
	all := map[string]string{csrfField: b.csrf}
	for k, v := range fields {
		all[k] = v
	}
	body, ct := form(b.e.t, all, "upload.png", file)
	return b.send("POST", path, bytes.NewReader(body), ct)
}

// expect fails unless r has status and its body contains every want.
func expect(t *testing.T, r resp, status int, wants ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %.600s", r.status, status, r.body)
	}
	for _, w := range wants {
		if !bytes.Contains(r.body, []byte(w)) {
			t.Errorf("body lacks %q: %.2000s", w, r.body)
		}
	}
}

// location is the redirect target of r.
func location(r resp) string { return r.header.Get("Location") }

// regexpFind returns the first group of pattern in body, failing without.
func regexpFind(t *testing.T, body []byte, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %.1500s", pattern, body)
	}
	return string(m[1])
}
