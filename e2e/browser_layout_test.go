//go:build linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPhoneLayout checks the layout by computed style rather than
// by eye alone: at 375 px the grid has two columns and the header is at
// most 56 px tall with the links in a menu that opens; at 320 px nothing
// scrolls sideways; every image has alt text, every field a label, and
// the search box a visible focus ring. Screenshots at 1366×900 and
// 375×812 go to e2e/artifacts.
func TestBrowserPhoneLayout(t *testing.T) {
	base := "http://" + StartInstance(t, map[string]string{"AUTH_RATE_LIMIT": "0", "LOG_LEVEL": "warn"}).Addr
	alice := signUp(t, base, "alice")
	group := apiGroup(t, base, alice, "Jeju")
	titles := []string{
		"Sunrise", "Long title that wraps well beyond two card lines", "Tangerines",
		"Harbour", "Basalt coast", "Green tea fields", "Hallasan", "Night market",
	}
	var first string
	for i, title := range titles {
		id := apiPin(t, base, alice, group, title, 240, 180+60*(i%4), i)
		if i == 0 {
			first = id
		}
	}

	browser := newChromium(t)
	b, cancel := context.WithTimeout(newProfile(t, browser), 3*time.Minute)
	defer cancel()
	step(t, b, "B signs up", browserSignUp(base, "b@example.com", "bob"))

	step(t, b, "desktop grid",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(".grid.masonry .card img")),
		poll(`[...document.images].every(i => i.complete)`),
		// The links show in the header row, no menu button.
		poll(`getComputedStyle(document.querySelector('.menu > summary')).display === 'none'`),
		poll(`document.querySelector('.links a[href="/feed"]').getBoundingClientRect().height > 0`),
	)
	desktop := value(t, b, "desktop screenshot", chromedp.CaptureScreenshot())
	save(t, "layout-desktop-1366.png", desktop)
	readmeShot(t, "grid.png", desktop)

	// A comment, so that the pin page's screenshot shows one.
	call(t, base, "POST", "/api/v1/pins/"+first+"/comments", alice.Token,
		strings.NewReader(`{"content":"Taken at six, before the wind came up."}`), "application/json", http.StatusCreated, nil)
	step(t, b, "desktop pin page",
		chromedp.Navigate(base+"/pins/"+first),
		chromedp.WaitVisible(chromedp.CSS("[data-pin-detail]")),
		waitLive(),
		poll(`[...document.images].every(i => i.complete)`),
		poll(`!document.querySelector('[data-viewers]').hidden`),
	)
	readmeShot(t, "pin.png", value(t, b, "pin screenshot", chromedp.CaptureScreenshot()))

	step(t, b, "phone grid",
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(".grid.masonry .card img")),
		poll(`[...document.images].every(i => i.complete)`),
	)
	cols := value(t, b, "grid columns", chromedp.Evaluate[int](
		`getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ').length`))
	if cols != 2 {
		t.Errorf("%d grid columns at 375 px, want 2", cols)
	}
	if h := value(t, b, "header height", chromedp.Evaluate[float64](
		`document.querySelector('header.top').getBoundingClientRect().height`)); h > 56 {
		t.Errorf("header is %.0f px tall at 375 px, want ≤ 56", h)
	}
	// A title of many words is clamped to two lines.
	if lines := value(t, b, "title lines", chromedp.Evaluate[float64](`(() => {
		const a = [...document.querySelectorAll('.card-title')].find(e => e.textContent.startsWith('Long title'));
		return a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight);
	})()`)); lines > 2.05 {
		t.Errorf("a long card title takes %.1f lines", lines)
	}
	save(t, "layout-phone-375.png", value(t, b, "phone screenshot", chromedp.CaptureScreenshot()))

	step(t, b, "the menu opens on a phone",
		chromedp.Click(chromedp.CSS(".menu > summary")),
		poll(`document.querySelector('.links a[href="/feed"]').getBoundingClientRect().height > 0`),
	)
	save(t, "layout-phone-menu-375.png", value(t, b, "menu screenshot", chromedp.CaptureScreenshot()))

	// Keyboard focus on the search box is visible.
	step(t, b, "search focus", chromedp.Focus(chromedp.CSS("#q")))
	if ring := value(t, b, "focus ring", chromedp.Evaluate[string](
		`(s => s.outlineStyle + ' ' + s.outlineWidth)(getComputedStyle(document.querySelector('#q')))`)); ring == "none 0px" || ring[:4] == "none" {
		t.Errorf("the focused search box has no outline: %s", ring)
	}

	for _, path := range []string{"/", "/pins/new", "/groups", "/users/" + alice.ID, "/search?q=jeju", "/notifications"} {
		step(t, b, "320 px "+path,
			chromedp.EmulateViewport(320, 640, chromedp.EmulateMobile),
			chromedp.Navigate(base+path),
			chromedp.WaitReady(chromedp.CSS("main")),
		)
		checkBasics(t, b, path)
	}
}

// checkBasics asserts on the open page: no sideways scrolling, alt on
// every image, a label for every visible field.
func checkBasics(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	if over := value(t, ctx, "scroll width", chromedp.Evaluate[int](
		`document.documentElement.scrollWidth - window.innerWidth`)); over > 0 {
		t.Errorf("%s: %d px of horizontal scroll at 320 px", path, over)
	}
	if n := value(t, ctx, "images without alt", chromedp.Evaluate[int](
		`document.querySelectorAll('img:not([alt])').length`)); n > 0 {
		t.Errorf("%s: %d images without alt", path, n)
	}
	unlabelled := value(t, ctx, "unlabelled fields", chromedp.Evaluate[[]string](`[...document.querySelectorAll('input, textarea, select')]
		.filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
		.map(e => e.outerHTML)`))
	if len(unlabelled) > 0 {
		t.Errorf("%s: fields without a label: %v", path, unlabelled)
	}
}

// apiGroup creates a group of u through the API.
func apiGroup(t *testing.T, base string, u apiUser, title string) string {
	t.Helper()
	var g struct{ ID string }
	body, ct := multipartWithImage(t, map[string]string{"title": title, "content": "photos"})
	call(t, base, "POST", "/api/v1/groups", u.Token, body, ct, http.StatusCreated, &g)
	return g.ID
}

// apiPin uploads a w×h pin into group: flat bands of one of a few colours,
// which keep the screenshots small.
func apiPin(t *testing.T, base string, u apiUser, group, title string, w, h, n int) string {
	t.Helper()
	palette := []color.RGBA{{230, 0, 35, 255}, {20, 110, 180, 255}, {240, 170, 40, 255}, {40, 150, 90, 255}, {120, 80, 170, 255}}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		c := palette[(n+y*3/h)%len(palette)]
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"title": title, "content": fmt.Sprintf("Photo %d of Jeju", n), "group_id": group} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("image", "pic.png")
	if err := png.Encode(fw, img); err != nil {
		t.Fatal(err)
	}
	_ = mw.Close()
	var p struct{ ID string }
	call(t, base, "POST", "/api/v1/pins", u.Token, &buf, mw.FormDataContentType(), http.StatusCreated, &p)
	return p.ID
}
