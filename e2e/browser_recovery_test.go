//go:build linux

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const recoveryMetricsToken = "e2e-metrics-token-0123456789"

// wsConnections reads an instance's open WebSocket count from /metrics.
func wsConnections(t *testing.T, inst *Instance) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+inst.Addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+recoveryMetricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if ok && strings.HasSuffix(name, "ws_connections") {
			var n float64
			fmt.Sscan(val, &n)
			return int(n)
		}
	}
	t.Fatalf("no ws_connections in %s's /metrics (status %d)", inst.Addr, resp.StatusCode)
	return 0
}

// TestBrowserRecoveryAcrossInstances is TestRecoveryAcrossInstances with
// the real page: the instance holding the pin page's WebSocket is killed,
// 50 comments are posted on the other one while the page reconnects
// through Nginx, and the page shows all 50 exactly once, in order, from
// the recovered events: no HTTP re-fetch, no reload.
func TestBrowserRecoveryAcrossInstances(t *testing.T) {
	one, two, edge := scaledPairEnv(t, "e2e_browser_recovery", map[string]string{"METRICS_TOKEN": recoveryMetricsToken})
	base := "http://" + edge
	carol := signUp(t, base, "carol")
	pinID := createPin(t, base, carol)
	bob := signUp(t, base, "bob")

	browser := newChromium(t)
	a, cancelA := context.WithTimeout(newProfile(t, browser), 4*time.Minute)
	defer cancelA()
	step(t, a, "A opens the pin",
		chromedp.Navigate(base+"/pins/"+pinID),
		chromedp.WaitVisible(chromedp.CSS("[data-pin-detail]")),
		waitLive(),
		chromedp.Evaluate[chromedp.Void](`window.__kept = 42, undefined`),
	)
	victim, survivor := one, two
	if wsConnections(t, one) == 0 {
		victim, survivor = two, one
	}
	if wsConnections(t, victim) != 1 {
		t.Fatal("the page's WebSocket is on neither instance")
	}

	victim.Kill()
	const missed = 50
	for i := range missed {
		call(t, "http://"+survivor.Addr, "POST", "/api/v1/pins/"+pinID+"/comments", bob.Token,
			jsonBody(map[string]string{"content": fmt.Sprintf("missed %d", i)}), "application/json", http.StatusCreated, nil)
	}
	want := make([]string, missed)
	for i := range want {
		want[i] = fmt.Sprintf("'missed %d'", i)
	}
	step(t, a, "A resumes on the survivor and shows the 50 comments once, in order",
		chromedp.Poll[chromedp.Void](`document.body.dataset.liveRecovered === 'true'`, chromedp.WithPollingTimeout(60*time.Second)),
		poll(`JSON.stringify([...document.querySelectorAll('[data-comments] .comment p')].map(p => p.textContent)) === JSON.stringify([`+strings.Join(want, ",")+`])`),
		poll(`document.querySelector('[data-count="comments"]').textContent === '50'`),
	)
	if n := value(t, a, "comments handled", chromedp.Evaluate[int](`window.liveEventCounts?.['comment.created'] || 0`)); n != 50 {
		t.Fatalf("the page handled %d comment events, want the 50 once each", n)
	}
	if n := value(t, a, "re-fetches", chromedp.Evaluate[string](`document.body.dataset.liveResyncs || '0'`)); n != "0" {
		t.Fatalf("the page re-fetched over HTTP %s times; it should have recovered", n)
	}
	if kept := value(t, a, "marker", chromedp.Evaluate[int](`window.__kept`)); kept != 42 {
		t.Error("A's page was reloaded")
	}
}
