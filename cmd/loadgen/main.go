// Command loadgen seeds a MyPinterest server with the data set the original
// app was benchmarked on and measures the read paths the README quotes.
//
// It talks to the server only over HTTP, so it measures any deployment: the
// embedded single binary, one instance behind Nginx, or a scaled stack.
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 [-seed] [-c 16] [-d 10s]
//	    [-only pins,pin,comments,profile,groups] [-html] [-target]
//
// Seeding (20 users, 40 groups, 500 pins, 60 comments on one pin, 1,270
// likes, 770 bookmarks, 100 follows) happens when asked with -seed, or by
// default when there is no usable state file or the target holds fewer than
// 500 pins. The ids the scenarios need are saved to -state so later runs
// skip seeding. Sign-up is rate-limited unless the server runs with
// AUTH_RATE_LIMIT=0.
//
// The exit status is 1 on a setup failure and 2 when -target is given and a
// target is missed, so the tool can gate CI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"mypinterest/internal/loadkit"
)

// seedFlag is a boolean flag with a third, default state ("auto") so that a
// bare -seed forces seeding, -seed=false forbids it, and leaving it out lets
// the tool decide from the target's contents.
type seedFlag struct {
	set   bool
	value bool
}

// String shows the current mode for -help and the flags line.
func (f *seedFlag) String() string {
	if f == nil || !f.set {
		return "auto"
	}
	return strconv.FormatBool(f.value)
}

// Set accepts true, false or auto.
func (f *seedFlag) Set(s string) error {
	if s == "auto" {
		f.set = false
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true, false or auto")
	}
	f.set, f.value = true, b
	return nil
}

// IsBoolFlag lets the flag package accept a bare -seed.
func (f *seedFlag) IsBoolFlag() bool { return true }

// options are the parsed command-line flags.
type options struct {
	url         string
	seed        seedFlag
	state       string
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	timeout     time.Duration
	only        string
	html        bool
	target      bool
	workers     int
	images      int
}

// minPins is the size below which "auto" seeding kicks in: a smaller
// database would make the grid cheaper than the one the targets assume.
const minPins = 500

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process globals, returning the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server under test")
	fs.Var(&o.seed, "seed", "seed the data set: true, false, or auto (when no usable state file or fewer than 500 pins)")
	fs.StringVar(&o.state, "state", "loadgen-state.json", "file holding the seeded ids between runs")
	fs.IntVar(&o.concurrency, "c", 16, "concurrent workers (and keep-alive connections) per scenario")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "measured duration per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up per scenario")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout while measuring")
	fs.StringVar(&o.only, "only", "", "comma-separated scenarios to run: "+strings.Join(scenarioNames, ","))
	fs.BoolVar(&o.html, "html", false, "also measure the HTML pages (page-home, page-pin, page-profile)")
	fs.BoolVar(&o.target, "target", false, "print PASS/MISS against the README targets; exit 2 on a miss")
	fs.IntVar(&o.workers, "workers", 4, "concurrent requests while seeding")
	fs.IntVar(&o.images, "images", 25, "distinct JPEGs generated for seeding (reused round-robin)")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 || o.workers < 1 || o.images < 1 {
		fmt.Fprintln(stderr, "loadgen: -c, -workers and -images must be ≥ 1, -d > 0 and -warmup ≥ 0")
		return 1
	}
	names, err := selectScenarios(o.only, o.html)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}

	api := loadkit.NewClient(o.url, o.workers)
	st, err := prepare(ctx, api, &o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		if errors.Is(err, loadkit.ErrRateLimited) {
			fmt.Fprintln(stderr, "loadgen: hint: the server rate-limits sign-up and log-in; restart it with AUTH_RATE_LIMIT=0 for load tests")
		}
		return 1
	}

	fmt.Fprintf(stdout, "\nloadgen %s, GOMAXPROCS=%d, NumCPU=%d\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(stdout, "flags: %s\n", flagsUsed(fs))
	fmt.Fprintf(stdout, "server %s: %d workers × %s after %s warm-up per scenario\n\n", api.Base, o.concurrency, o.duration, o.warmup)

	cfg := loadkit.RunConfig{BaseURL: o.url, Concurrency: o.concurrency, Duration: o.duration, Warmup: o.warmup, Timeout: o.timeout}
	all := buildScenarios(st)
	var results []loadkit.Result
	for _, n := range names {
		if ctx.Err() != nil {
			break
		}
		r := loadkit.Run(ctx, cfg, all[n])
		printResult(stdout, r)
		results = append(results, r)
	}

	fmt.Fprintln(stdout)
	printTable(stdout, results, o.target)
	fmt.Fprintf(stdout, "\n%s, GOMAXPROCS=%d, -c %d -d %s\n", runtime.Version(), runtime.GOMAXPROCS(0), o.concurrency, o.duration)
	if o.target {
		fmt.Fprintln(stdout)
		if !printTargets(stdout, results) {
			return 2
		}
	}
	return 0
}

// prepare loads or creates the seeded data and returns the state the
// scenarios need, printing what it decided and why.
func prepare(ctx context.Context, api *loadkit.Client, o *options, out io.Writer) (*State, error) {
	pins, err := countPins(ctx, api, minPins)
	if err != nil {
		return nil, fmt.Errorf("cannot list pins on %s (is the server running?): %w", api.Base, err)
	}

	st, err := loadState(o.state)
	if err != nil {
		fmt.Fprintf(out, "ignoring state file: %v\n", err)
		st = nil
	}
	if st != nil {
		refreshed, err := checkState(ctx, api, st)
		switch {
		case err != nil:
			fmt.Fprintf(out, "state file %s does not match %s: %v\n", o.state, api.Base, err)
			st = nil
		case refreshed:
			fmt.Fprintf(out, "saved token was rejected; logged in again as %s\n", st.Email)
			if err := saveState(o.state, st); err != nil {
				return nil, err
			}
		}
	}

	var reason string
	switch {
	case o.seed.set && !o.seed.value:
		if st == nil {
			return nil, fmt.Errorf("no usable state file %s and -seed=false; run once with -seed", o.state)
		}
	case o.seed.set:
		reason = "-seed given"
	case st == nil:
		reason = "no usable state file " + o.state
	case pins < minPins:
		reason = fmt.Sprintf("target has only %d pins (< %d)", pins, minPins)
	}

	if reason == "" {
		fmt.Fprintf(out, "using %s: run %s seeded %s; pin %s, user %s (target has ≥ %d pins)\n",
			o.state, st.RunID, st.SeededAt.Format(time.RFC3339), st.PinID, st.UserID, pins)
		return st, nil
	}

	fmt.Fprintf(out, "seeding because %s\n", reason)
	start := time.Now()
	images, err := loadkit.ImagePool(o.images)
	if err != nil {
		return nil, fmt.Errorf("generating images: %w", err)
	}
	fmt.Fprintf(out, "  generated %d distinct 640×800 JPEGs in %.2fs\n", len(images), time.Since(start).Seconds())
	s := &seeder{api: api, plan: defaultPlan, workers: o.workers, images: images, out: out}
	st, err = s.run(ctx)
	if err != nil {
		return nil, err
	}
	if err := saveState(o.state, st); err != nil {
		return nil, fmt.Errorf("saving %s: %w", o.state, err)
	}
	fmt.Fprintf(out, "saved %s: pin %s (60 comments), user %s\n", o.state, st.PinID, st.UserID)
	return st, nil
}

// flagsUsed renders every flag with its effective value, so a pasted result
// says exactly how it was produced.
func flagsUsed(fs *flag.FlagSet) string {
	var parts []string
	fs.VisitAll(func(f *flag.Flag) {
		parts = append(parts, fmt.Sprintf("-%s=%s", f.Name, f.Value.String()))
	})
	return strings.Join(parts, " ")
}
