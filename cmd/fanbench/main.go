// Command fanbench measures live-event fan-out: N WebSocket subscribers,
// split over two server URLs, on one topic; M events published at rate R;
// it reports delivery latency percentiles, delivered vs expected,
// duplicates, out-of-order deliveries and deliveries per second.
//
// Two modes:
//
//   - In-process (no -urls): two hubs on 127.0.0.1:0, sharing Redis
//     (-redis ADDR, one RedisBroker each) or, without -redis, one
//     MemoryBroker; events are published with hub.Publish on the first hub.
//   - External (-urls ws://a/ws,ws://b/ws -redis ADDR): subscribers connect
//     to running instances and events are published with a Redis PUBLISH on
//     the topic's channel. That is exactly what hub.Publish does on any
//     instance (its one delivery path is the Redis channel), so no test
//     endpoint is needed on the servers.
//
// Two ways to publish:
//
//   - Paced (default): one publisher, events at -rate per second.
//   - Burst (-publishers P): P goroutines each publish their share of the
//     events back to back, as fast as the broker takes them (open loop: no
//     waiting for deliveries). Each publisher has its own sequence range and
//     id (data.pub), so duplicates and out-of-order deliveries are still
//     checked per publisher. Keep -events under the servers' send queue
//     (256) or a burst outruns the writers and slow consumers are cut.
//
// With -pids (external mode, one process id per URL, in the same order) it
// also reads each server's VmRSS and CPU time from /proc before connecting,
// once every subscriber is connected and after the run, and prints the RSS
// per idle connection and the servers' CPU during the publish phase.
//
// Each event carries its send time (data.sent, Unix nanoseconds); latency is
// receive time minus send time on the same host's clock.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"mypinterest/hub"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.subs, "subs", 1000, "number of WebSocket subscribers")
	flag.IntVar(&cfg.events, "events", 1000, "number of events to publish")
	flag.Float64Var(&cfg.rate, "rate", 500, "events per second")
	flag.StringVar(&cfg.topic, "topic", "pins", "topic to subscribe and publish on")
	flag.StringVar(&cfg.urls, "urls", "", "comma-separated WebSocket URLs of running instances (external mode)")
	flag.StringVar(&cfg.redisAddr, "redis", "", "Redis address: the brokers' in-process mode, the publisher's in external mode")
	flag.DurationVar(&cfg.wait, "wait", 15*time.Second, "how long to wait for stragglers after the last publish")
	flag.IntVar(&cfg.queue, "queue", hub.DefaultSendQueue, "in-process hubs' per-connection send queue")
	flag.IntVar(&cfg.publishers, "publishers", 0, "burst mode: this many publishers share -events and publish as fast as possible (ignores -rate)")
	flag.StringVar(&cfg.pids, "pids", "", "external mode: comma-separated server process ids, one per -urls entry, to read RSS and CPU from /proc")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fanbench:", err)
		os.Exit(1)
	}
}

type config struct {
	subs, events, queue int
	publishers          int // 0: paced by rate; > 0: burst
	rate                float64
	topic, urls, pids   string
	redisAddr           string
	wait                time.Duration
}

// numPublishers is the number of sequence spaces a subscriber tracks.
func (c config) numPublishers() int { return max(c.publishers, 1) }

// publishFunc publishes one pre-encoded event frame.
type publishFunc func(ctx context.Context, msg []byte) error

func run(ctx context.Context, cfg config) error {
	if cfg.subs < 1 || cfg.events < 1 || cfg.rate <= 0 || cfg.publishers < 0 {
		return errors.New("-subs, -events and -rate must be positive, -publishers not negative")
	}
	if cfg.publishers > cfg.events {
		return errors.New("-publishers must not exceed -events")
	}
	pids, err := parsePIDs(cfg.pids)
	if err != nil {
		return err
	}
	if len(pids) > 0 && cfg.urls == "" {
		return errors.New("-pids needs external mode (-urls): the in-process hubs share fanbench's own process")
	}
	var (
		urls    []string
		publish publishFunc
		rdb     *redis.Client
	)
	if cfg.redisAddr != "" {
		rdb = redis.NewClient(&redis.Options{Addr: cfg.redisAddr})
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis %s: %w", cfg.redisAddr, err)
		}
	}
	if cfg.urls != "" {
		if rdb == nil {
			return errors.New("external mode (-urls) publishes through Redis: set -redis")
		}
		urls = strings.Split(cfg.urls, ",")
		if len(pids) > 0 && len(pids) != len(urls) {
			return fmt.Errorf("-pids has %d entries for %d -urls: give one process id per URL, in the same order", len(pids), len(urls))
		}
		publish = func(ctx context.Context, msg []byte) error {
			return rdb.Publish(ctx, cfg.topic, msg).Err()
		}
	} else {
		hubs, hubURLs, closeHubs, err := startHubs(cfg)
		if err != nil {
			return err
		}
		defer closeHubs()
		urls = hubURLs
		publish = func(ctx context.Context, msg []byte) error { return hubs[0].Publish(ctx, cfg.topic, msg) }
	}

	if cfg.publishers > 0 {
		fmt.Printf("fanbench: %d subscribers over %v, topic %q, %d events in a burst from %d publishers\n", cfg.subs, urls, cfg.topic, cfg.events, cfg.publishers)
	} else {
		fmt.Printf("fanbench: %d subscribers over %v, topic %q, %d events at %.0f/s\n", cfg.subs, urls, cfg.topic, cfg.events, cfg.rate)
	}
	before, err := sampleAll(pids)
	if err != nil {
		return err
	}
	subs, err := connectAll(ctx, urls, cfg)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range subs {
			s.close()
		}
	}()
	if rdb != nil {
		if err := waitRedisSubscribers(ctx, rdb, cfg.topic, int64(len(urls))); err != nil {
			return err
		}
	}

	connected, err := sampleAll(pids)
	if err != nil {
		return err
	}

	start := time.Now()
	var published, failed int
	if cfg.publishers > 0 {
		published, failed = publishBurst(ctx, cfg, publish)
	} else {
		published, failed = publishAll(ctx, cfg, publish)
	}
	pubDone := time.Now()
	expected := int64(published) * int64(cfg.subs)
	deadline := time.Now().Add(cfg.wait)
	for delivered(subs) < expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	after, err := sampleAll(pids)
	if err != nil {
		return err
	}
	report(subs, cfg, published, failed, start, pubDone)
	if len(pids) > 0 {
		conns := make([]int, len(urls))
		for i := range subs {
			conns[i%len(urls)]++ // connectAll's round-robin
		}
		reportProcs(pids, conns, before, connected, after)
	}
	return nil
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

// publishAll publishes cfg.events events at cfg.rate, catching up in bursts
// when the loop falls behind so the average rate holds.
func publishAll(ctx context.Context, cfg config, publish publishFunc) (published, failed int) {
	start := time.Now()
	for seq := 0; seq < cfg.events && ctx.Err() == nil; seq++ {
		due := start.Add(time.Duration(float64(seq) / cfg.rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if err := publish(ctx, benchMsg(cfg.topic, 0, seq)); err != nil {
			failed++
			continue
		}
		published++
	}
	return published, failed
}

// publishBurst splits cfg.events over cfg.publishers goroutines; publisher p
// publishes seqs [p·M/P, (p+1)·M/P) back to back. The ranges are disjoint,
// so a subscriber's seen-set still catches duplicates, and each publisher's
// own order is checked through data.pub.
func publishBurst(ctx context.Context, cfg config, publish publishFunc) (published, failed int) {
	var (
		wg     sync.WaitGroup
		p      = cfg.publishers
		m      = cfg.events
		counts = make([][2]int, p)
	)
	for i := range p {
		wg.Go(func() {
			for seq := i * m / p; seq < (i+1)*m/p && ctx.Err() == nil; seq++ {
				if err := publish(ctx, benchMsg(cfg.topic, i, seq)); err != nil {
					counts[i][1]++
					continue
				}
				counts[i][0]++
			}
		})
	}
	wg.Wait() // counts are final and visible from here
	for _, c := range counts {
		published += c[0]
		failed += c[1]
	}
	return published, failed
}

// benchMsg encodes event seq of publisher pub, stamped with the send time.
func benchMsg(topic string, pub, seq int) []byte {
	now := time.Now()
	return fmt.Appendf(nil, `{"type":"event","topic":%q,"event":"bench","data":{"pub":%d,"seq":%d,"sent":%d},"ts":%d}`,
		topic, pub, seq, now.UnixNano(), now.UnixMilli())
}
