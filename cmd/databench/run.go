package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"mypinterest/internal/loadkit"
)

// runOptions are the flags of databench run.
type runOptions struct {
	url, dir    string
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	timeout     time.Duration
	only        string
	target      bool
	save        string
	baseline    string
	pid         int
	maxSessions int
	cursors     int
	settle      time.Duration
}

func runCommand(ctx context.Context, args []string, out, errOut io.Writer) int {
	var o runOptions
	fs := flag.NewFlagSet("databench run", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server under test, started on -data")
	fs.StringVar(&o.dir, "data", "", "the data directory databench seed wrote (its state file is read)")
	fs.IntVar(&o.concurrency, "c", 16, "concurrent workers (and keep-alive connections)")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured duration per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up per scenario")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.StringVar(&o.only, "only", "", "comma-separated scenarios to run (default all): "+strings.Join(scenarioNames(), ","))
	fs.BoolVar(&o.target, "target", false, "mark each scenario PASS/MISS against issue 8's targets; exit 2 on a miss")
	fs.StringVar(&o.save, "save", "", "write the results as JSON to this file")
	fs.StringVar(&o.baseline, "baseline", "", "results (-save) of a smaller data set: each scenario must keep ≥ 0.7× its figure")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id: report its resident memory after the run")
	fs.IntVar(&o.maxSessions, "sessions", 1000, "at most this many users are signed in for the signed-in scenarios")
	fs.IntVar(&o.cursors, "cursors", samplePins, "distinct deep cursors of the grid-deep scenario")
	fs.DurationVar(&o.settle, "settle", 30*time.Second, "after a scenario whose requests timed out, wait this long (the server's request timeout) so that the requests it is still working on do not slow the next scenario")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.dir == "" || o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 || o.maxSessions < 2 || o.cursors < 1 {
		fmt.Fprintln(errOut, "databench run: -data is required; -c ≥ 1, -d > 0, -warmup ≥ 0, -sessions ≥ 2, -cursors ≥ 1")
		return 2
	}
	chosen, err := selectScenarios(o.only)
	if err != nil {
		fmt.Fprintln(errOut, "databench run:", err)
		return 2
	}
	results, err := runBench(ctx, o, chosen, out)
	if err != nil {
		fmt.Fprintln(errOut, "databench run:", err)
		return 1
	}
	if o.save != "" {
		if err := saveResults(o.save, results); err != nil {
			fmt.Fprintln(errOut, "databench run:", err)
			return 1
		}
	}
	var base map[string]baseFigure
	if o.baseline != "" {
		if base, err = loadBaseline(o.baseline); err != nil {
			fmt.Fprintln(errOut, "databench run:", err)
			return 1
		}
	}
	fmt.Fprintln(out)
	ok := printTable(out, results, o.target, base)
	if o.pid > 0 {
		if m, err := memoryOf(o.pid); err != nil {
			fmt.Fprintln(errOut, "databench run: server memory:", err)
		} else {
			fmt.Fprintf(out, "\nserver memory after the run: %s\n", m)
		}
	}
	if (o.target || base != nil) && !ok {
		return 2
	}
	return 0
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return names
}

// selectScenarios resolves -only, keeping the run order.
func selectScenarios(only string) ([]scenario, error) {
	if strings.TrimSpace(only) == "" {
		return scenarios, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !slices.Contains(scenarioNames(), n) {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(scenarioNames(), ","))
		}
		want[n] = true
	}
	var out []scenario
	for _, s := range scenarios {
		if want[s.name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// result is one measured scenario, as printed and saved.
type result struct {
	loadkit.Result
	// CPUPerReq is the server's CPU time per request in the measured
	// window (run -pid).
	CPUPerReq time.Duration `json:"cpu_per_req,omitempty"`
	// FaultsPerReq is the server's minor page faults per request in the
	// same window: a figure the machine's load does not blur.
	FaultsPerReq float64 `json:"faults_per_req,omitempty"`
	Pins         int     `json:"pins"`
	Distinct     int     `json:"distinct"`
	// Items is how many items a request of the scenario returns, on
	// average (itemsPerResponse); 0 for pages and writes.
	Items  float64 `json:"items_per_response,omitempty"`
	What   string  `json:"what"`
	target target
}

func runBench(ctx context.Context, o runOptions, chosen []scenario, out io.Writer) ([]result, error) {
	st, err := loadState(o.dir)
	if err != nil {
		return nil, err
	}
	b := newBench(o.url, st, 8)
	b.cursors = o.cursors
	if err := b.checkServer(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "databench: %d pins, %d users (seed %d); %s; %s, GOMAXPROCS=%d\n",
		st.Params.Pins, st.Params.Users, st.Params.Seed, o.url, runtime.Version(), runtime.GOMAXPROCS(0))
	if slices.ContainsFunc(chosen, func(s scenario) bool { return s.signedIn }) {
		start := time.Now()
		users := sessionUsers(st, o.maxSessions)
		if err := b.signIn(ctx, users); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "signed in %d users in %.1fs\n", len(users), time.Since(start).Seconds())
	}
	cfg := loadkit.RunConfig{BaseURL: o.url, Concurrency: o.concurrency, Duration: o.duration, Warmup: o.warmup, Timeout: o.timeout}
	fmt.Fprintf(out, "%d workers × %s after %s warm-up per scenario\n\n", o.concurrency, o.duration, o.warmup)
	var results []result
	for _, sc := range chosen {
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		start := time.Now()
		reqs, err := sc.build(ctx, b)
		if err != nil {
			return results, fmt.Errorf("preparing %s: %w", sc.name, err)
		}
		items, err := b.itemsPerResponse(ctx, reqs)
		if err != nil {
			return results, fmt.Errorf("sampling %s: %w", sc.name, err)
		}
		prep := time.Since(start)
		used := serverUsage(o.pid, o.warmup)
		r := loadkit.Run(ctx, cfg, loadkit.Scenario{Name: sc.name, Next: reqs.next})
		res := result{Result: r, Pins: st.Params.Pins, Distinct: reqs.distinct, Items: items, What: sc.what, target: sc.target}
		if u := used(); u.cpu > 0 && r.Requests() > 0 {
			res.CPUPerReq = u.cpu / time.Duration(r.Requests())
			res.FaultsPerReq = float64(u.faults) / float64(r.Requests())
		}
		printResult(out, res, prep)
		results = append(results, res)
		if timedOut(r) && o.settle > 0 {
			fmt.Fprintf(out, "%-14s requests timed out: waiting %s for the server to finish them\n", "", o.settle)
			select {
			case <-ctx.Done():
			case <-time.After(o.settle):
			}
		}
	}
	return results, nil
}

// serverUsage starts measuring what the server (pid; none if 0) uses
// from the end of the warm-up; the function it returns ends the
// measurement (zero if it failed). On a machine shared with other work the
// server's CPU per request is a steadier figure than its req/s, and its
// faults per request steadier still.
func serverUsage(pid int, warmup time.Duration) func() usage {
	if pid <= 0 {
		return func() usage { return usage{} }
	}
	start := make(chan usage, 1)
	t := time.AfterFunc(warmup, func() {
		v, err := processUsage(pid)
		if err != nil {
			v.cpu = -1
		}
		start <- v
	})
	return func() usage {
		t.Stop()
		var from usage
		select {
		case from = <-start:
		default:
			return usage{} // the warm-up never ended
		}
		to, err := processUsage(pid)
		if from.cpu < 0 || err != nil {
			return usage{}
		}
		return usage{cpu: to.cpu - from.cpu, faults: to.faults - from.faults}
	}
}

// timedOut reports whether r's first error was a client timeout: the
// server may still be working on those requests.
func timedOut(r loadkit.Result) bool {
	return strings.Contains(r.FirstErr, "Timeout") || strings.Contains(r.FirstErr, "deadline exceeded")
}

// sessionUsers are the users to sign in: every user the scenarios single
// out (heaviest feeds, bookmarks, notifications, owners of big groups),
// then the others by index, up to limit.
func sessionUsers(st *State, limit int) []int {
	seen := map[int]bool{}
	var out []int
	add := func(u int) {
		if !seen[u] && len(out) < limit {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, g := range st.BigGroups {
		add(g.Owner)
	}
	for _, list := range [][]int{st.Following, st.Bookmarkers, st.Notified} {
		for _, u := range list {
			add(u)
		}
	}
	for u := range st.Users {
		add(u)
	}
	return out
}

// saveResults writes the results as JSON, for -baseline.
func saveResults(path string, results []result) error {
	data, err := json.MarshalIndent(results, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// baseFigure is a scenario's figure in a baseline: its req/s and how many
// items each of its responses held (0 for pages and writes).
type baseFigure struct {
	rps, items float64
}

// loadBaseline reads saved results by scenario.
func loadBaseline(path string) (map[string]baseFigure, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var saved []struct {
		Name    string
		OK      int
		Elapsed time.Duration
		Items   float64 `json:"items_per_response"`
	}
	if err := json.Unmarshal(data, &saved); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]baseFigure{}
	for _, s := range saved {
		out[s.Name] = baseFigure{rps: loadkit.Result{OK: s.OK, Elapsed: s.Elapsed}.RPS(), items: s.Items}
	}
	return out, nil
}
