// Command fanbench measures live-event fan-out: N WebSocket subscribers,
// split over two server URLs, on one topic; M events published at rate R;
// it reports delivery latency percentiles, delivered vs expected,
// duplicates, out-of-order deliveries and deliveries per second.
//
// Three ways to run it:
//
//   - In-process (no -urls): two hubs on 127.0.0.1:0, sharing Redis
//     (-redis ADDR, one RedisBroker each) or, without -redis, an
//     in-process bus; events are published with hub.Publish on each hub in
//     turn (as through a load balancer).
//   - External (-urls ws://a/ws,ws://b/ws -redis ADDR): subscribers connect
//     to running instances and events are published with a Redis PUBLISH on
//     the topic's channel. That is exactly what hub.Publish does on any
//     instance (its one delivery path is the Redis channel), so no test
//     endpoint is needed on the servers.
//   - `fanbench compare` (compare.go): the product (events are comments
//     POSTed to its API), Centrifugo (its HTTP publish API) and the minimal
//     anchor of `fanbench anchor` (anchor.go), measured by this one client
//     in interleaved rounds, with a summary table. See docs/FANOUT.md.
//
// Two ways to publish:
//
//   - Paced (default): one publisher, events at -rate per second.
//   - Burst (-publishers P): P goroutines each publish their share of the
//     events back to back, as fast as the target takes them (open loop: no
//     waiting for deliveries). Each publisher has its own sequence range and
//     id, so duplicates and out-of-order deliveries are still checked per
//     publisher. Keep -events under the servers' send queue (256) or a
//     burst outruns the writers and slow consumers are cut.
//
// With -pids (one process id per URL, in the same order) it also reads each
// server's VmRSS and CPU time from /proc before connecting, once every
// subscriber is connected and after the run, and prints the RSS per idle
// connection and the servers' CPU during the publish phase.
//
// Each event carries the time it was due to be sent (benchMark); latency is
// receive time minus that, on the same host's clock, so a publisher that
// falls behind its schedule shows up in the latency.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"mypinterest/hub"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "anchor":
		err = runAnchor(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "compare":
		err = runCompare(ctx, os.Args[2:])
	default:
		err = runSingle(ctx, os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fanbench:", err)
		os.Exit(1)
	}
}

func runSingle(ctx context.Context, args []string) error {
	var cfg config
	fs := flag.NewFlagSet("fanbench", flag.ExitOnError)
	fs.IntVar(&cfg.subs, "subs", 1000, "number of WebSocket subscribers")
	fs.IntVar(&cfg.events, "events", 1000, "number of events to publish")
	fs.Float64Var(&cfg.rate, "rate", 500, "events per second")
	fs.StringVar(&cfg.topic, "topic", "pins", "topic to subscribe and publish on")
	fs.StringVar(&cfg.urls, "urls", "", "comma-separated WebSocket URLs of running instances (external mode)")
	fs.StringVar(&cfg.redisAddr, "redis", "", "Redis address: the brokers' in-process mode, the publisher's in external mode")
	fs.DurationVar(&cfg.wait, "wait", 15*time.Second, "how long to wait for stragglers after the last publish")
	fs.IntVar(&cfg.queue, "queue", hub.DefaultSendQueue, "in-process hubs' per-connection send queue")
	fs.IntVar(&cfg.publishers, "publishers", 0, "burst mode: this many publishers share -events and publish as fast as possible (ignores -rate)")
	fs.StringVar(&cfg.pids, "pids", "", "external mode: comma-separated server process ids, one per -urls entry, to read RSS and CPU from /proc")
	_ = fs.Parse(args)
	cfg.verbose = true
	return run(ctx, cfg)
}

type config struct {
	subs, events, queue int
	publishers          int // 0: paced by rate; > 0: burst
	rate                float64
	topic, urls, pids   string
	redisAddr           string
	wait                time.Duration
	verbose             bool // print each server's /proc figures
}

// numPublishers is the number of sequence spaces a subscriber tracks.
func (c config) numPublishers() int { return max(c.publishers, 1) }

func (c config) check() error {
	if c.subs < 1 || c.events < 1 || c.rate <= 0 || c.publishers < 0 {
		return errors.New("-subs, -events and -rate must be positive, -publishers not negative")
	}
	if c.publishers > c.events {
		return errors.New("-publishers must not exceed -events")
	}
	return nil
}

// publishFunc publishes event seq of publisher pub, due at sched.
type publishFunc func(ctx context.Context, pub, seq int, sched time.Time) error

// run is the single-target mode: in-process hubs, or running instances fed
// through Redis.
func run(ctx context.Context, cfg config) error {
	if err := cfg.check(); err != nil {
		return err
	}
	pids, err := parsePIDs(cfg.pids)
	if err != nil {
		return err
	}
	if len(pids) > 0 && cfg.urls == "" {
		return errors.New("-pids needs external mode (-urls): the in-process hubs share fanbench's own process")
	}
	var rdb *redis.Client
	if cfg.redisAddr != "" {
		rdb = redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis %s: %w", cfg.redisAddr, err)
		}
	}
	var d driver
	if cfg.urls != "" {
		if rdb == nil {
			return errors.New("external mode (-urls) publishes through Redis: set -redis")
		}
		urls := strings.Split(cfg.urls, ",")
		if len(pids) > 0 && len(pids) != len(urls) {
			return fmt.Errorf("-pids has %d entries for %d -urls: give one process id per URL, in the same order", len(pids), len(urls))
		}
		d = &redisDriver{wsURLs: urls, procs: pids, rdb: rdb, topic: cfg.topic}
	} else {
		hubs, hubURLs, closeHubs, err := startHubs(cfg)
		if err != nil {
			return err
		}
		defer closeHubs()
		d = &hubDriver{hubs: hubs, wsURLs: hubURLs, topic: cfg.topic}
	}
	if cfg.publishers > 0 {
		fmt.Printf("fanbench: %d subscribers over %v, topic %q, %d events in a burst from %d publishers\n", cfg.subs, d.urls(), cfg.topic, cfg.events, cfg.publishers)
	} else {
		fmt.Printf("fanbench: %d subscribers over %v, topic %q, %d events at %.0f/s\n", cfg.subs, d.urls(), cfg.topic, cfg.events, cfg.rate)
	}
	r, err := runOnce(ctx, d, cfg, 0)
	if err != nil {
		return err
	}
	r.print()
	return nil
}

// runOnce measures one run on one target: connect, publish, wait for the
// deliveries (or cfg.wait after the last publish), and read the servers'
// RSS and CPU before connecting, once connected and at the end.
func runOnce(ctx context.Context, d driver, cfg config, runID int) (result, error) {
	pids := d.pids()
	sess, err := d.prepare(ctx, runID)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", d.name(), err)
	}
	before, err := sampleAll(pids)
	if err != nil {
		return result{}, err
	}
	subs, err := connectAll(ctx, d.urls(), sess, cfg)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", d.name(), err)
	}
	defer func() {
		for _, s := range subs {
			s.close()
		}
	}()
	if sess.ready != nil {
		if err := sess.ready(ctx); err != nil {
			return result{}, err
		}
	}
	connected, err := sampleAll(pids)
	if err != nil {
		return result{}, err
	}

	start := time.Now()
	var published, failed int
	var firstErr error
	if cfg.publishers > 0 {
		published, failed, firstErr = publishBurst(ctx, cfg, sess.publish)
	} else {
		published, failed, firstErr = publishAll(ctx, cfg, sess.publish)
	}
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "fanbench: %s: %d publishes failed, the first: %v\n", d.name(), failed, firstErr)
	}
	pubDone := time.Now()
	expected := int64(published) * int64(cfg.subs)
	deadline := time.Now().Add(cfg.wait)
	for delivered(subs) < expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	after, err := sampleAll(pids)
	if err != nil {
		return result{}, err
	}
	r := collect(subs, published, failed, start, pubDone)
	r.target = d.name()
	r.kibPerConn, r.serverCPU, r.wallTime = math.NaN(), math.NaN(), math.NaN()
	if len(pids) > 0 {
		conns := make([]int, len(pids))
		for i := range subs {
			conns[i%len(pids)]++ // connectAll's round-robin
		}
		r.kibPerConn, r.serverCPU, r.wallTime = procFigures(conns, before, connected, after)
		if cfg.verbose {
			reportProcs(pids, conns, before, connected, after)
		}
	}
	return r, nil
}

// startHubs starts two hubs on loopback listeners, each with its own
// RedisBroker, or joined by an in-process bus without -redis.
func startHubs(cfg config) ([]*hub.Hub, []string, func(), error) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var bus *memBus
	if cfg.redisAddr == "" {
		bus = &memBus{}
	}
	var (
		hubs    []*hub.Hub
		urls    []string
		servers []*http.Server
		clients []*redis.Client
	)
	closeAll := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, h := range hubs {
			_ = h.Shutdown(ctx)
		}
		for _, s := range servers {
			_ = s.Shutdown(ctx)
		}
		for _, c := range clients {
			_ = c.Close()
		}
	}
	for range 2 {
		var b hub.Broker = busBroker{bus}
		if bus == nil {
			c := redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
			clients = append(clients, c)
			b = hub.NewRedisBroker(c, log)
		}
		// Every benchmark client comes from one loopback address: no
		// per-address caps.
		h := hub.New(b, hub.Config{SendQueue: cfg.queue, Logger: log, MaxConnsPerIP: -1, MaxTopicsPerIP: -1})
		hubs = append(hubs, h)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		servers = append(servers, srv)
		urls = append(urls, "ws://"+ln.Addr().String()+"/ws")
	}
	return hubs, urls, closeAll, nil
}

// memBus joins in-process hubs the way Redis joins instances: a publish on
// any of them is delivered by every one, in one order (mu serialises it).
type memBus struct {
	mu       sync.Mutex
	delivers []func(topic string, msg []byte)
}

// busBroker is one hub's hub.Broker on a memBus.
type busBroker struct{ bus *memBus }

func (b busBroker) Start(deliver func(string, []byte)) {
	b.bus.mu.Lock()
	b.bus.delivers = append(b.bus.delivers, deliver)
	b.bus.mu.Unlock()
}

func (b busBroker) Publish(_ context.Context, topic string, msg []byte) error {
	b.bus.mu.Lock()
	defer b.bus.mu.Unlock()
	for _, d := range b.bus.delivers {
		d(topic, msg)
	}
	return nil
}

func (busBroker) Subscribe(string) error   { return nil }
func (busBroker) Unsubscribe(string) error { return nil }
func (busBroker) Close() error             { return nil }

// hubDriver is the in-process mode: hubs started by startHubs, events
// published with hub.Publish on each in turn.
type hubDriver struct {
	hubs   []*hub.Hub
	wsURLs []string
	topic  string
}

func (d *hubDriver) name() string   { return "in-process" }
func (d *hubDriver) urls() []string { return d.wsURLs }
func (d *hubDriver) pids() []int    { return nil }

func (d *hubDriver) prepare(context.Context, int) (*session, error) {
	return &session{
		topic:     d.topic,
		handshake: liveHandshake(d.topic),
		publish: func(ctx context.Context, pub, seq int, sched time.Time) error {
			// In turn on each hub, as through a load balancer: a burst
			// publisher's next event goes through the other instance.
			return d.hubs[(pub+seq)%len(d.hubs)].Publish(ctx, d.topic, liveEvent(d.topic, pub, seq, sched))
		},
	}, nil
}

func waitRedisSubscribers(ctx context.Context, rdb *redis.Client, topic string, n int64) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		m, err := rdb.PubSubNumSub(ctx, topic).Result()
		if err == nil && m[topic] >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d instances subscribed to %q in Redis", m[topic], n, topic)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publishAll publishes cfg.events events from one publisher, each due at
// start + seq/rate. It waits for each publish to return (an HTTP publish is
// one request at a time, as from one client); when that falls behind the
// schedule it sends the late events back to back, and their latency still
// counts from when they were due.
func publishAll(ctx context.Context, cfg config, publish publishFunc) (published, failed int, firstErr error) {
	start := time.Now()
	for seq := 0; seq < cfg.events && ctx.Err() == nil; seq++ {
		due := start.Add(time.Duration(float64(seq) / cfg.rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if err := publish(ctx, 0, seq, due); err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		published++
	}
	return published, failed, firstErr
}

// publishBurst splits cfg.events over cfg.publishers goroutines; publisher p
// publishes seqs [p·M/P, (p+1)·M/P) back to back, each due when it is sent.
// The ranges are disjoint, so a subscriber's seen-set still catches
// duplicates, and each publisher's own order is checked.
func publishBurst(ctx context.Context, cfg config, publish publishFunc) (published, failed int, firstErr error) {
	var (
		wg     sync.WaitGroup
		p      = cfg.publishers
		m      = cfg.events
		counts = make([][2]int, p)
		errs   = make([]error, p)
	)
	for i := range p {
		wg.Go(func() {
			for seq := i * m / p; seq < (i+1)*m/p && ctx.Err() == nil; seq++ {
				if err := publish(ctx, i, seq, time.Now()); err != nil {
					counts[i][1]++
					if errs[i] == nil {
						errs[i] = err
					}
					continue
				}
				counts[i][0]++
			}
		})
	}
	wg.Wait() // counts are final and visible from here
	for i, c := range counts {
		published += c[0]
		failed += c[1]
		if firstErr == nil {
			firstErr = errs[i]
		}
	}
	return published, failed, firstErr
}
