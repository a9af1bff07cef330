// Package loadkit is what the load tools share: a closed-loop HTTP runner
// that measures one scenario at a time, latency statistics and generated
// JPEGs. It knows nothing of the product's packages, so the tools measure
// any deployment over HTTP alone.
package loadkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one HTTP request of a scenario.
type Request struct {
	Method      string // GET when empty
	Path        string // absolute path and query, e.g. /api/v1/pins
	Token       string // sent as a Bearer token when non-empty
	Cookie      string // the Cookie header, for pages signed in by the session cookie
	HTML        bool   // asks for text/html instead of JSON
	ContentType string // of Body
	Body        []byte
}

// Scenario is a stream of requests, sent as fast as the workers can go.
type Scenario struct {
	Name string
	// Next returns the i-th request of the run. i counts every request of
	// every worker from 0, warm-up included, so a scenario that picks ids
	// by i cycles through all of them whatever the concurrency. Next is
	// called from every worker at once.
	Next func(i uint64) Request
}

// Fixed is a Next that always sends r.
func Fixed(r Request) func(uint64) Request {
	return func(uint64) Request { return r }
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

// run is the state the workers of one Run share.
type run struct {
	client      *http.Client
	base        string
	sc          Scenario
	seq         atomic.Uint64
	measureFrom time.Time
	end         time.Time
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
	start := time.Now()
	r := &run{
		client:      &http.Client{Transport: tr, Timeout: cfg.Timeout},
		base:        strings.TrimRight(cfg.BaseURL, "/"),
		sc:          sc,
		measureFrom: start.Add(cfg.Warmup),
	}
	r.end = r.measureFrom.Add(cfg.Duration)

	stats := make([]workerStats, cfg.Concurrency)
	var wg sync.WaitGroup
	for w := range stats {
		wg.Go(func() { stats[w] = r.work(ctx) })
	}
	wg.Wait()

	res := Result{Name: sc.Name}
	last := r.measureFrom
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
	res.Elapsed = last.Sub(r.measureFrom)
	res.Latency = Summarize(all)
	return res
}

// work is one worker's loop: issue a request, wait for the whole answer,
// repeat until end. Only requests started at or after measureFrom count.
func (r *run) work(ctx context.Context) workerStats {
	// Sized for a fast server over a 10 s run so the slice rarely grows
	// while measuring.
	st := workerStats{latencies: make([]time.Duration, 0, 16<<10)}
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(r.end) {
			break
		}
		req := r.sc.Next(r.seq.Add(1) - 1)
		err := Do(ctx, r.client, r.base, req)
		done := time.Now()
		if t0.Before(r.measureFrom) {
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

// Do sends one request to base and reads the whole body, because latency
// means time to the last byte and an unread body would stop the connection
// from being reused. A non-2xx answer is an error naming the status and
// the start of the body.
func Do(ctx context.Context, client *http.Client, base string, r Request) error {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+r.Path, body)
	if err != nil {
		return err
	}
	if r.HTML {
		req.Header.Set("Accept", "text/html")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.Cookie != "" {
		req.Header.Set("Cookie", r.Cookie)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		start, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("%s %s: HTTP %d: %s", method, r.Path, resp.StatusCode, bytes.TrimSpace(start))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
