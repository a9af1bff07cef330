//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserScriptMarkupMatchesServer: the cards and comments the
// scripts add — a card of the next page (infinite scroll), a live new
// pin's card, another person's comment arriving live and one's own just
// posted — have the markup the server renders for the same pin or comment
// once the page is reloaded. Only what differs by design is left out: the
// masonry's inline row span, a fresh comment's highlight class, the
// CSRF token (one per page) and the time's text (the browser formats it
// in its own time zone).
func TestBrowserScriptMarkupMatchesServer(t *testing.T) {
	base := "http://" + StartInstance(t, map[string]string{"AUTH_RATE_LIMIT": "0", "LOG_LEVEL": "warn"}).Addr
	alice := signUp(t, base, "alice")
	group := apiGroup(t, base, alice, "Jeju")
	// One more pin than a page holds: the first is on the second page.
	first := apiPin(t, base, alice, group, `Tangerines <b>&</b> "basalt"`, 120, 160, 0)
	for i := 1; i <= 24; i++ {
		apiPin(t, base, alice, group, fmt.Sprintf("Pin %d", i), 120, 90+30*(i%3), i)
	}

	browser := newChromium(t)
	b, cancel := context.WithTimeout(newProfile(t, browser), 3*time.Minute)
	defer cancel()
	step(t, b, "B signs up and opens the grid",
		browserSignUp(base, "b@example.com", "bob"),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(".grid.masonry .card img")),
		waitLive(),
	)
	more := value(t, b, "the More link", chromedp.Evaluate[string](`document.querySelector('[data-more]').href`))
	step(t, b, "B scrolls to the next page",
		poll(`(scrollTo(0, document.body.scrollHeight), document.querySelector('[data-grid] [data-pin="`+first+`"]') !== null)`))
	scrolled := markup(t, b, `[data-grid] [data-pin="`+first+`"]`)

	live := apiPin(t, base, alice, group, "Live <i>one</i>", 120, 150, 25)
	step(t, b, "B shows the new pin",
		poll(`!document.querySelector('[data-newpins]').hidden`),
		chromedp.Click(chromedp.CSS("[data-newpins]")),
		poll(`document.querySelector('[data-grid] .card').dataset.pin === '`+live+`'`),
	)
	liveCard := markup(t, b, `[data-grid] [data-pin="`+live+`"]`)

	step(t, b, "B opens the next page without the script's help", chromedp.Navigate(more),
		chromedp.WaitVisible(chromedp.CSS(`[data-grid] [data-pin="`+first+`"]`)))
	sameMarkup(t, "scrolled card", scrolled, markup(t, b, `[data-grid] [data-pin="`+first+`"]`))
	step(t, b, "B reloads the grid", chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-grid] [data-pin="`+live+`"]`)))
	sameMarkup(t, "live card", liveCard, markup(t, b, `[data-grid] [data-pin="`+live+`"]`))

	step(t, b, "B opens the new pin", chromedp.Navigate(base+"/pins/"+live),
		chromedp.WaitVisible(chromedp.CSS("#comment-content")), waitLive())
	var theirs struct{ ID string }
	call(t, base, "POST", "/api/v1/pins/"+live+"/comments", alice.Token,
		jsonBody(map[string]string{"content": "Lovely <i>light</i> & \"sea\"\nsecond line"}), "application/json", http.StatusCreated, &theirs)
	step(t, b, "B sees A's comment live and posts one",
		poll(`document.querySelector('[data-comment="`+theirs.ID+`"]') !== null`),
		chromedp.SendKeys(chromedp.CSS("#comment-content"), "Thanks & <b>bye</b>"),
		chromedp.Click(chromedp.CSS(".comment-form button")),
		poll(`document.querySelectorAll('[data-comments] [data-comment]').length === 2`),
	)
	mine := value(t, b, "B's comment id", chromedp.Evaluate[string](
		`document.querySelector('[data-comments] [data-comment]:last-child').dataset.comment`))
	liveTheirs, liveMine := markup(t, b, `[data-comment="`+theirs.ID+`"]`), markup(t, b, `[data-comment="`+mine+`"]`)
	if !strings.Contains(liveMine, `data-js="uncomment"`) || strings.Contains(liveTheirs, `data-js="uncomment"`) {
		t.Errorf("delete forms: on B's own comment %v, on A's %v",
			strings.Contains(liveMine, "uncomment"), strings.Contains(liveTheirs, "uncomment"))
	}
	step(t, b, "B reloads the pin", chromedp.Navigate(base+"/pins/"+live),
		chromedp.WaitVisible(chromedp.CSS(`[data-comment="`+mine+`"]`)))
	sameMarkup(t, "live comment", liveTheirs, markup(t, b, `[data-comment="`+theirs.ID+`"]`))
	sameMarkup(t, "posted comment", liveMine, markup(t, b, `[data-comment="`+mine+`"]`))
}

// markupJS returns the outer HTML of the element sel finds, without what
// differs by design between the script's and the server's (see above).
const markupJS = `(sel) => {
	const e = document.querySelector(sel);
	if (!e) return '';
	const c = e.cloneNode(true);
	for (const x of [c, ...c.querySelectorAll('*')]) x.removeAttribute('style');
	c.classList.remove('fresh');
	for (const x of c.querySelectorAll('time')) x.textContent = '';
	for (const x of c.querySelectorAll('input[name="_csrf"]')) x.setAttribute('value', '');
	return c.outerHTML;
}`

func markup(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	html := value(t, ctx, "markup of "+sel, chromedp.Evaluate[string](fmt.Sprintf("(%s)(%q)", markupJS, sel)))
	if html == "" {
		t.Fatalf("no %s on the page", sel)
	}
	return html
}

func sameMarkup(t *testing.T, name, script, server string) {
	t.Helper()
	if script != server {
		t.Errorf("%s: the script's markup differs from the server's:\nscript %s\nserver %s", name, script, server)
	}
}
