package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// compareConfig is `fanbench compare`: every target, every phase, every
// subscriber count, in rounds whose target order rotates, so that drifts of
// the shared machine spread over all targets alike.
type compareConfig struct {
	subs        []int
	rate        float64
	duration    time.Duration
	rounds      int
	burstEvents int
	publishers  int
	phases      []string
	wait        time.Duration
}

// phases of one round, in order.
const (
	phasePaced     = "paced"     // one publisher at -rate for -duration
	phaseSaturated = "saturated" // one publisher, back to back
	phaseBurst     = "burst"     // -publishers publishers, back to back
)

func runCompare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fanbench compare", flag.ExitOnError)
	product := fs.String("product", "", "product base URLs, comma-separated (http://127.0.0.1:8081,http://127.0.0.1:8082)")
	productPIDs := fs.String("product-pids", "", "the product instances' process ids, one per URL")
	cent := fs.String("centrifugo", "", "Centrifugo base URLs, comma-separated")
	centPIDs := fs.String("centrifugo-pids", "", "the Centrifugo nodes' process ids, one per URL")
	centKey := fs.String("centrifugo-key", "", "Centrifugo http_api.key")
	anchor := fs.String("anchor", "", "`fanbench anchor` base URLs, comma-separated")
	anchorPIDs := fs.String("anchor-pids", "", "the anchors' process ids, one per URL")
	subs := fs.String("subs", "2000,5000", "subscriber counts, comma-separated; each gets its own rounds")
	phases := fs.String("phases", "paced,saturated,burst", "phases of a round, comma-separated")
	var c compareConfig
	fs.Float64Var(&c.rate, "rate", 5, "paced phase: events per second")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "paced phase: how long to publish")
	fs.IntVar(&c.rounds, "rounds", 2, "rounds per subscriber count")
	fs.IntVar(&c.burstEvents, "burst-events", 200, "saturated and burst phases: events per run (keep under the send queues, 256)")
	fs.IntVar(&c.publishers, "publishers", 8, "burst phase: concurrent publishers")
	fs.DurationVar(&c.wait, "wait", 10*time.Second, "how long to wait for stragglers after the last publish")
	_ = fs.Parse(args)

	var err error
	if c.subs, err = parseInts(*subs); err != nil {
		return fmt.Errorf("-subs: %w", err)
	}
	c.phases = strings.Split(*phases, ",")
	for _, p := range c.phases {
		if p != phasePaced && p != phaseSaturated && p != phaseBurst {
			return fmt.Errorf("-phases: unknown phase %q", p)
		}
	}
	var drivers []driver
	for _, t := range []struct {
		urls, pids string
		make       func([]string, []int) driver
	}{
		{*product, *productPIDs, func(u []string, p []int) driver { return newProductDriver(u, p) }},
		{*cent, *centPIDs, func(u []string, p []int) driver { return newCentrifugoDriver(u, p, *centKey) }},
		{*anchor, *anchorPIDs, func(u []string, p []int) driver { return newAnchorDriver(u, p) }},
	} {
		if t.urls == "" {
			continue
		}
		urls := strings.Split(t.urls, ",")
		pids, err := parsePIDs(t.pids)
		if err != nil {
			return err
		}
		if len(pids) > 0 && len(pids) != len(urls) {
			return fmt.Errorf("%d process ids for %d URLs of %s", len(pids), len(urls), urls)
		}
		drivers = append(drivers, t.make(urls, pids))
	}
	if len(drivers) == 0 {
		return errNoTargets
	}
	names := make([]string, len(drivers))
	for i, d := range drivers {
		names[i] = d.name()
	}
	fmt.Printf("fanbench compare: %v, N=%v, %d rounds of %v; paced %.0f/s for %v, saturated and burst (%d publishers) %d events\n",
		names, c.subs, c.rounds, c.phases, c.rate, c.duration, c.publishers, c.burstEvents)
	fmt.Println("| N | phase | target | published | delivered | dup | ooo | cut | p50 ms | p99 ms | deliveries/s | KiB/conn | server CPU s per 1M deliveries |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	results, err := compare(ctx, drivers, c, printRow)
	if err != nil {
		return err
	}
	printSummary(results)
	return nil
}

// phaseConfig is the single-run configuration of one phase.
func (c compareConfig) phaseConfig(phase string, subs int) config {
	cfg := config{subs: subs, rate: c.rate, wait: c.wait, events: c.burstEvents}
	switch phase {
	case phasePaced:
		cfg.events = max(1, int(c.rate*c.duration.Seconds()))
	case phaseSaturated:
		cfg.publishers = 1
	case phaseBurst:
		cfg.publishers = min(c.publishers, c.burstEvents)
	}
	return cfg
}

// compare runs every round and hands each result to row as it comes.
func compare(ctx context.Context, drivers []driver, c compareConfig, row func(result)) ([]result, error) {
	var out []result
	runID := 0
	for _, n := range c.subs {
		for round := range c.rounds {
			for _, phase := range c.phases {
				cfg := c.phaseConfig(phase, n)
				for i := range drivers {
					d := drivers[(i+round)%len(drivers)] // rotate who goes first
					runID++
					r, err := runOnce(ctx, d, cfg, runID)
					if err != nil {
						return out, fmt.Errorf("round %d of %d subscribers, %s: %w", round+1, n, phase, err)
					}
					r.phase = phase
					row(r)
					out = append(out, r)
				}
			}
		}
	}
	return out, nil
}

func printRow(r result) {
	fmt.Printf("| %d | %s | %s | %d/%d | %.3f %% | %d | %d | %d | %v | %v | %.0f | %s | %s |\n",
		r.subs, r.phase, r.target, r.published, r.published+r.failed, r.deliveredPct(), r.dup, r.ooo, r.cut,
		ms(r.p50), ms(r.p99), r.rate(), fmtNaN("%.1f", r.kibPerConn), fmtNaN("%.1f", cpuPerMillion(r)))
}

// printSummary prints, per subscriber count and phase, each target's
// medians over its rounds and the product's ratio to Centrifugo.
func printSummary(results []result) {
	fmt.Println("\nsummary: medians over rounds (delivered: the worst round; dup, ooo, cut: summed)")
	fmt.Println("| N | phase | target | rounds | delivered | dup | ooo | cut | p50 ms | p99 ms | deliveries/s | server CPU s per 1M deliveries |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	type key struct {
		subs          int
		phase, target string
	}
	groups := map[key][]result{}
	var order []key
	for _, r := range results {
		k := key{r.subs, r.phase, r.target}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	sums := map[key]summary{}
	for _, k := range order {
		s := summarize(groups[k])
		sums[k] = s
		fmt.Printf("| %d | %s | %s | %d | %.3f %% | %d | %d | %d | %.1f | %.1f | %.0f | %s |\n",
			k.subs, k.phase, k.target, s.rounds, s.worstDelivered, s.dup, s.ooo, s.cut, s.p50, s.p99, s.rate, fmtNaN("%.1f", s.cpu))
	}
	// ooo is each publisher's order; this is the topic's (offsets).
	fmt.Println("\noffset order, on frames with a position (the product's), summed over rounds:")
	for _, k := range order {
		if s := sums[k]; s.offSeen {
			fmt.Printf("  N=%d %-9s %-10s %d steps back, %d gaps\n", k.subs, k.phase, k.target, s.offBack, s.offGap)
		}
	}
	// Only a process's first connections grow its RSS: later runs reuse
	// what the earlier ones left, so only each target's first run counts.
	fmt.Println("\nRSS per idle connection, each target's first run (processes fresh only if started just before):")
	seen := map[string]bool{}
	for _, r := range results {
		if !seen[r.target] {
			seen[r.target] = true
			fmt.Printf("  %-10s %s KiB (N=%d)\n", r.target, fmtNaN("%.1f", r.kibPerConn), r.subs)
		}
	}
	fmt.Println("\nproduct ÷ centrifugo (latency: lower is better; deliveries/s: higher is better)")
	for _, k := range order {
		if k.target != "product" {
			continue
		}
		c, ok := sums[key{k.subs, k.phase, "centrifugo"}]
		if !ok {
			continue
		}
		p := sums[k]
		fmt.Printf("N=%d %-9s p50 %.2f×  p99 %.2f×  deliveries/s %.2f×\n", k.subs, k.phase, p.p50/c.p50, p.p99/c.p99, p.rate/c.rate)
	}
}

type summary struct {
	rounds, dup, ooo, cut int
	offBack, offGap       int
	offSeen               bool // some subscriber saw a position
	worstDelivered        float64
	p50, p99, rate, cpu   float64 // medians; latencies in ms
}

func summarize(rs []result) summary {
	s := summary{rounds: len(rs), worstDelivered: 100}
	var p50, p99, rate, cpu []float64
	for _, r := range rs {
		s.dup += r.dup
		s.ooo += r.ooo
		s.offBack += r.offBack
		s.offGap += r.offGap
		s.offSeen = s.offSeen || r.offSeen
		s.cut += r.cut
		s.worstDelivered = min(s.worstDelivered, r.deliveredPct())
		p50 = append(p50, msf(r.p50))
		p99 = append(p99, msf(r.p99))
		rate = append(rate, r.rate())
		cpu = append(cpu, cpuPerMillion(r))
	}
	s.p50, s.p99, s.rate, s.cpu = median(p50), median(p99), median(rate), median(cpu)
	return s
}

// median of xs, ignoring NaN; NaN if none is a number.
func median(xs []float64) float64 {
	xs = slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}

// cpuPerMillion is the servers' CPU seconds per million deliveries.
func cpuPerMillion(r result) float64 {
	if r.got == 0 {
		return math.NaN()
	}
	return r.serverCPU / float64(r.got) * 1e6
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ms(d time.Duration) string { return strconv.FormatFloat(msf(d), 'f', 1, 64) }

func fmtNaN(format string, x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return fmt.Sprintf(format, x)
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
