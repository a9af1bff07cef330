package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Scenario is one request, repeated as fast as the workers can go.
type Scenario struct {
	Name  string
	Path  string // absolute path and query, e.g. /api/v1/pins
	Token string // sent as a Bearer token when non-empty
	HTML  bool   // asks for text/html instead of JSON
}

// RunConfig is how hard and how long to push one scenario.
type RunConfig struct {
	BaseURL     string
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	Timeout     time.Duration // per request
}

// Result is the outcome of one scenario.
type Result struct {
	Name     string
	OK       int           // 2xx answers started inside the measured window
	Errors   int           // non-2xx answers and transport errors in the window
	Elapsed  time.Duration // from the end of warm-up to the last answer
	Latency  Summary       // of the 2xx answers only
	FirstErr string        // the first error seen, to explain a non-zero Errors
}

// Requests is every request counted, successful or not.
func (r Result) Requests() int { return r.OK + r.Errors }

// RPS is successful answers per second. Failures are left out because a
// refused connection fails in microseconds and would inflate throughput.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// workerStats is what one worker gathered; workers never share memory while
// running so that recording a latency costs no lock.
type workerStats struct {
	latencies []time.Duration
	errors    int
	firstErr  string
	lastDone  time.Time
}

// Run measures sc: Concurrency workers share one transport that keeps as
// many idle connections as there are workers, so each worker keeps reusing
// a keep-alive connection. Requests started during warm-up open those
// connections and warm the server's caches but are not counted.
func Run(ctx context.Context, cfg RunConfig, sc Scenario) Result {
	tr := &http.Transport{
		// Connect straight to the target: a proxy from the environment
		// would be measured instead of the server.
		Proxy:               nil,
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		MaxConnsPerHost:     cfg.Concurrency,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout}
	target := strings.TrimRight(cfg.BaseURL, "/") + sc.Path

	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)

	stats := make([]workerStats, cfg.Concurrency)
	var wg sync.WaitGroup
	for w := range stats {
		wg.Go(func() { stats[w] = work(ctx, client, target, sc, measureFrom, end) })
	}
	wg.Wait()

	res := Result{Name: sc.Name}
	last := measureFrom
	total := 0
	for _, s := range stats {
		total += len(s.latencies)
	}
	all := make([]time.Duration, 0, total)
	for _, s := range stats {
		all = append(all, s.latencies...)
		res.Errors += s.errors
		if res.FirstErr == "" {
			res.FirstErr = s.firstErr
		}
		if s.lastDone.After(last) {
			last = s.lastDone
		}
	}
	res.OK = len(all)
	res.Elapsed = last.Sub(measureFrom)
	res.Latency = Summarize(all)
	return res
}

// work is one worker's loop: issue a request, wait for the whole answer,
// repeat until end. Only requests started at or after measureFrom count.
func work(ctx context.Context, client *http.Client, target string, sc Scenario, measureFrom, end time.Time) workerStats {
	// Sized for a fast server over a 10 s run so the slice rarely grows
	// while measuring.
	st := workerStats{latencies: make([]time.Duration, 0, 16<<10)}
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		err := fetch(ctx, client, target, sc)
		done := time.Now()
		if t0.Before(measureFrom) {
			continue
		}
		st.lastDone = done
		if err != nil {
			st.errors++
			if st.firstErr == "" {
				st.firstErr = err.Error()
			}
			// Back off a little so a dead server does not turn the
			// worker into a busy loop stealing CPU from everyone.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		st.latencies = append(st.latencies, done.Sub(t0))
	}
	return st
}

// fetch does one request and reads the whole body, because latency means
// time to the last byte and an unread body would stop the connection from
// being reused.
func fetch(ctx context.Context, client *http.Client, target string, sc Scenario) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	if sc.HTML {
		req.Header.Set("Accept", "text/html")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if sc.Token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, copyErr := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return copyErr
}

// scenarioNames lists every scenario in run order; the page-* ones need -html
// unless named in -only.
var scenarioNames = []string{"pins", "pin", "comments", "profile", "groups", "page-home", "page-pin", "page-profile"}

// buildScenarios turns the saved ids into the concrete requests.
func buildScenarios(st *State) map[string]Scenario {
	return map[string]Scenario{
		"pins":         {Name: "pins", Path: "/api/v1/pins"},
		"pin":          {Name: "pin", Path: "/api/v1/pins/" + st.PinID},
		"comments":     {Name: "comments", Path: "/api/v1/pins/" + st.PinID + "/comments"},
		"profile":      {Name: "profile", Path: "/api/v1/users/" + st.UserID},
		"groups":       {Name: "groups", Path: "/api/v1/groups", Token: st.Token},
		"page-home":    {Name: "page-home", Path: "/", HTML: true},
		"page-pin":     {Name: "page-pin", Path: "/pins/" + st.PinID, HTML: true},
		"page-profile": {Name: "page-profile", Path: "/users/" + st.UserID, HTML: true},
	}
}

// selectScenarios resolves -only and -html into the names to run, in the
// canonical order.
func selectScenarios(only string, html bool) ([]string, error) {
	if strings.TrimSpace(only) == "" {
		var out []string
		for _, n := range scenarioNames {
			if html || !strings.HasPrefix(n, "page-") {
				out = append(out, n)
			}
		}
		return out, nil
	}
	want := make(map[string]bool)
	for _, n := range strings.Split(only, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		known := false
		for _, k := range scenarioNames {
			known = known || k == n
		}
		if !known {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(scenarioNames, ","))
		}
		want[n] = true
	}
	var out []string
	for _, n := range scenarioNames {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}
