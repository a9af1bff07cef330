//go:build linux

package e2e

import (
	"context"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReconnectResync cuts A's live connection while A has a pin
// page open; meanwhile B comments on and likes the pin through the API.
// Once the server is back, A's page reconnects and re-fetches over HTTP
// what its WebSocket missed: B's comment and the new like count appear
// without a reload.
//
// The cut is a server restart, not Chromium's offline emulation: offline,
// Chromium only holds WebSocket frames back and delivers them once online
// again, so the socket never closes and nothing would need a re-fetch.
// B writes to a second instance on another address over the same DATA_DIR,
// so A's page cannot reconnect (and get B's events live) before the
// server at its own address is started again.
func TestBrowserReconnectResync(t *testing.T) {
	env := map[string]string{"AUTH_RATE_LIMIT": "0", "LOG_LEVEL": "warn", "DATA_DIR": t.TempDir()}
	first := StartInstance(t, env)
	base := "http://" + first.Addr
	browser := newChromium(t)
	a, cancelA := context.WithTimeout(newProfile(t, browser), 3*time.Minute)
	defer cancelA()

	// Carol's pin: nobody may like their own.
	carol := signUp(t, base, "carol")
	pinID := createPin(t, base, carol)
	bob := signUp(t, base, "bob")

	step(t, a, "A signs up and opens the pin",
		browserSignUp(base, "a@example.com", "alice"),
		chromedp.Navigate(base+"/pins/"+pinID),
		chromedp.WaitVisible(chromedp.CSS("[data-pin-detail]")),
		waitLive(),
		poll(`document.querySelector('[data-count="likes"]').textContent === '0'`),
		poll(`document.querySelectorAll('[data-comments] .comment').length === 0`),
		// Set a marker a reload would erase.
		chromedp.Evaluate[chromedp.Void](`window.__kept = 42, undefined`),
	)

	first.Kill()
	step(t, a, "A's WebSocket closes with the server", poll(`document.body.dataset.live === 'closed'`))

	// B acts while nothing listens at A's address.
	aside := StartInstance(t, env)
	other := "http://" + aside.Addr
	call(t, other, "POST", "/api/v1/pins/"+pinID+"/comments", bob.Token,
		jsonBody(map[string]string{"content": "Missed me?"}), "application/json", http.StatusCreated, nil)
	call(t, other, "PUT", "/api/v1/pins/"+pinID+"/like", bob.Token, nil, "", http.StatusOK, nil)
	http.DefaultClient.CloseIdleConnections()
	stop, cancelStop := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelStop()
	if err := aside.Terminate(stop); err != nil {
		t.Fatalf("stop the second instance: %v\n%s", err, aside.Output())
	}
	if n := value(t, a, "comments while cut off",
		chromedp.Evaluate[int](`document.querySelectorAll('[data-comments] .comment').length`)); n != 0 {
		t.Fatalf("A shows %d comments while cut off", n)
	}

	back := maps.Clone(env)
	back["ADDR"] = first.Addr
	StartInstance(t, back)
	// The page retries with growing delays (up to 16 s after a few
	// seconds' outage), so allow more than poll's 20 s to reconnect.
	step(t, a, "A reconnects and catches up without a reload",
		chromedp.Poll[chromedp.Void](`document.body.dataset.live === 'ready'`, chromedp.WithPollingTimeout(60*time.Second)),
		// Added by the script (class fresh), not rendered by a reload.
		poll(`[...document.querySelectorAll('[data-comments] .comment.fresh p')].some(p => p.textContent === 'Missed me?')`),
		poll(`document.querySelector('[data-count="likes"]').textContent === '1'`),
		poll(`document.querySelector('[data-count="comments"]').textContent === '1'`),
		// A restarted embedded server has a new epoch (its history was in
		// memory): the page could not recover and re-fetched over HTTP.
		poll(`document.body.dataset.liveRecovered === 'false' && Number(document.body.dataset.liveResyncs) >= 1`),
	)

	// Carol edits her pin: the open page shows the new title and text.
	call(t, base, "PATCH", "/api/v1/pins/"+pinID, carol.Token,
		jsonBody(map[string]string{"title": "Edited title", "content": "Edited text"}), "application/json", http.StatusOK, nil)
	step(t, a, "A sees the edit live",
		poll(`document.querySelector('[data-pin-detail] h1').textContent === 'Edited title'`),
		poll(`document.querySelector('[data-pin-detail] .content')?.textContent === 'Edited text'`),
	)
	if kept := value(t, a, "marker", chromedp.Evaluate[int](`window.__kept`)); kept != 42 {
		t.Error("A's page was reloaded")
	}
}
