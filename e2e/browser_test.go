//go:build linux

package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLivePinPage drives two people's browsers against the real
// server: A signs up, makes a group and uploads a pin through the forms
// and keeps its page open; B comments, likes and follows A; A's page shows
// each of those live, without a reload.
func TestBrowserLivePinPage(t *testing.T) {
	base := "http://" + StartInstance(t, map[string]string{"AUTH_RATE_LIMIT": "0", "LOG_LEVEL": "warn"}).Addr
	browser := newChromium(t)
	a, cancelA := context.WithTimeout(newProfile(t, browser), 3*time.Minute)
	defer cancelA()
	b, cancelB := context.WithTimeout(newProfile(t, browser), 3*time.Minute)
	defer cancelB()

	img := writePNG(t, 480, 640)
	step(t, a, "A signs up", browserSignUp(base, "a@example.com", "alice"))
	step(t, a, "A creates a group",
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), "Travel"),
		chromedp.SendKeys(chromedp.CSS("#content"), "Places I loved"),
		chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{img}),
		chromedp.Click(chromedp.CSS(`form[data-js="upload"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".group-head")),
	)
	step(t, a, "A uploads a pin",
		chromedp.Navigate(base+"/pins/new"),
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SendKeys(chromedp.CSS("#title"), "Sunset <b>over</b> Jeju"),
		chromedp.SendKeys(chromedp.CSS("#content"), "Taken from the ferry."),
		chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{img}),
		chromedp.WaitVisible(chromedp.CSS("#preview")),
		chromedp.Click(chromedp.CSS(`form[data-js="upload"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-pin-detail]")),
		poll(`document.querySelector('.flash')?.textContent === 'Pin posted.'`),
		waitLive(),
		// Set a marker a reload would erase.
		chromedp.Evaluate[chromedp.Void](`window.__kept = 42, undefined`),
	)
	pinURL := value(t, a, "pin URL", chromedp.Location())

	step(t, b, "B signs up and sees the grid",
		browserSignUp(base, "b@example.com", "bob"),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(".grid.masonry .card img")),
		poll(`[...document.images].every(i => i.complete)`),
	)
	save(t, "grid.png", value(t, b, "grid screenshot", chromedp.FullScreenshot(100)))

	step(t, b, "B comments and likes",
		chromedp.Navigate(pinURL),
		chromedp.WaitVisible(chromedp.CSS("#comment-content")),
		waitLive(),
		chromedp.SendKeys(chromedp.CSS("#comment-content"), "Lovely <i>light</i>!"),
		chromedp.Click(chromedp.CSS(".comment-form button")),
		chromedp.Click(chromedp.CSS(`form[data-js="like"] button`)),
		poll(`document.querySelector('form[data-js="like"] button').getAttribute('aria-pressed') === 'true'`),
	)
	step(t, a, "A sees the comment and the like live",
		poll(`[...document.querySelectorAll('[data-comments] .comment p')].some(p => p.textContent === 'Lovely <i>light</i>!')`),
		poll(`document.querySelector('[data-count="likes"]').textContent === '1'`),
		poll(`document.querySelector('[data-count="comments"]').textContent === '1'`),
		// Presence: A's page and B's are the pin's two viewers.
		poll(`(e => !e.hidden && e.textContent === '2 viewing')(document.querySelector('[data-viewers]'))`),
	)
	step(t, b, "B follows A", chromedp.Click(chromedp.CSS(`form[data-js="follow"] button`)))
	step(t, a, "A gets the follow toast without a reload",
		poll(`[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('bob followed you'))`),
		poll(`document.querySelector('[data-count="followers"]').textContent === '1'`),
		poll(`document.querySelector('[data-unread]').textContent !== '0'`),
	)
	save(t, "detail.png", value(t, a, "detail screenshot", chromedp.FullScreenshot(100)))
	if kept := value(t, a, "marker", chromedp.Evaluate[int](`window.__kept`)); kept != 42 {
		t.Error("A's page was reloaded")
	}
	// Follow the language switch as a navigation: a click would race the
	// next poll against the page load.
	toKorean := value(t, b, "language switch", chromedp.Evaluate[string](`document.querySelector('.lang a').href`))
	step(t, b, "B reads the pin in Korean at phone width",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(toKorean),
		poll(`document.documentElement.lang === 'ko' && document.querySelector('[data-pin-detail]') !== null`),
		poll(`document.querySelector('[data-viewers]').textContent === '2명 보는 중'`),
		// Nothing may be wider than the phone's screen.
		poll(`document.documentElement.scrollWidth <= window.innerWidth`),
	)
	save(t, "phone.png", value(t, b, "phone screenshot", chromedp.FullScreenshot(100)))
	if title := value(t, a, "title", chromedp.Text(chromedp.CSS("h1"))); title != "Sunset <b>over</b> Jeju" {
		t.Errorf("title = %q", title)
	}
}

// step runs actions in ctx, failing the test with the step's name, the
// page's address and its main content.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		fail(t, ctx, name, err)
	}
}

// value runs one action in ctx and returns what it yields.
func value[T any](t *testing.T, ctx context.Context, name string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		fail(t, ctx, name, err)
	}
	return v
}

func fail(t *testing.T, ctx context.Context, name string, err error) {
	t.Helper()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	t.Fatalf("%s: %v (at %s)\n%.3000s", name, err, loc, html)
}

// browserSignUp fills the sign-up form and waits for the first page after it.
func browserSignUp(base, email, nickname string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#nickname"), nickname),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-me]:not([data-me=""])`)),
	)
}

// waitLive waits until the page's WebSocket has every topic subscribed.
func waitLive() chromedp.Action[chromedp.Void] { return poll(`document.body.dataset.live === 'ready'`) }

// poll waits up to 20 s for a JavaScript expression to become true.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))
}

// writePNG writes a w×h gradient PNG to upload.
func writePNG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 * y / h), uint8(90 + 100*x/w), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sunset.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// save keeps a screenshot under e2e/artifacts (git-ignored) for people to
// look at; the test does not compare it with anything.
func save(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("artifacts", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: e2e/artifacts/%s (%d bytes)", name, len(png))
}

// readmeShot writes a screenshot shown in the README to docs/img, only
// when UPDATE_SCREENSHOTS=1: the committed images change when someone
// means them to, not on every run. The test pages' flat colours keep the
// PNGs small; the bound keeps the repository so.
func readmeShot(t *testing.T, name string, png []byte) {
	t.Helper()
	if os.Getenv("UPDATE_SCREENSHOTS") != "1" {
		return
	}
	if len(png) > 200<<10 {
		t.Errorf("docs/img/%s is %d bytes, want < 200 KiB", name, len(png))
	}
	path := filepath.Join(RepoRoot(t), "docs", "img", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("README screenshot: docs/img/%s (%d bytes)", name, len(png))
}
