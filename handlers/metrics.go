package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.mongodb.org/mongo-driver/v2/event"

	"mypinterest/hub"
)

// Metric names are prefixed so that they sort together on a shared
// Prometheus server.
const metricsNamespace = "mypinterest"

// unmatchedRoute labels requests no route matched: the raw path would let
// any client create series at will.
const unmatchedRoute = "unmatched"

// Buckets in seconds. HTTP requests range from a cached page (about a
// millisecond) to a 10 MiB upload; a database command from one embedded
// FerretDB lookup (about 180 µs) to a cascade over thousands of documents.
var (
	httpBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	dbBuckets   = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
)

// Metrics is the Prometheus side of one process: HTTP traffic (recorded by
// the app's observe middleware), database commands (through
// CommandMonitor), the hub's counters (ObserveHub), failed publishes
// (PublishFailed) and the Go runtime. It owns its registry rather than
// using the global one, so that tests can build several apps in one binary.
// All methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests       *prometheus.CounterVec
	requestSeconds *prometheus.HistogramVec
	dbSeconds      *prometheus.HistogramVec
	dbFailures     *prometheus.CounterVec
	publishFails   prometheus.Counter
	poolOpen       prometheus.Gauge
	poolInUse      prometheus.Gauge
	poolFailures   prometheus.Counter
}

// NewMetrics returns Metrics on a fresh registry holding the HTTP, database
// and publish-failure families plus the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: httpBuckets,
		}, []string{"route", "method"}),
		dbSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metricsNamespace, Name: "db_command_duration_seconds",
			Help:    "Round trip of a database command (succeeded or failed), by command name.",
			Buckets: dbBuckets,
		}, []string{"command"}),
		dbFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "db_command_failures_total",
			Help: "Database commands that failed, by command name.",
		}, []string{"command"}),
		publishFails: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "handler_publish_failures_total",
			Help: "Live events or notifications a handler could not publish (the request still succeeded).",
		}),
		poolOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "db_pool_connections",
			Help: "Open connections in the database driver's pools.",
		}),
		poolInUse: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Name: "db_pool_connections_in_use",
			Help: "Database connections checked out by a command.",
		}),
		poolFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metricsNamespace, Name: "db_pool_checkout_failures_total",
			Help: "Times no database connection could be had (pool exhausted or closed, server down).",
		}),
	}
	m.reg.MustRegister(
		m.poolOpen, m.poolInUse, m.poolFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestSeconds, m.dbSeconds, m.dbFailures, m.publishFails,
	)
	return m
}

// PublishFailed counts one failed publish; it fits Deps.OnPublishError.
func (m *Metrics) PublishFailed() { m.publishFails.Inc() }

// CommandMonitor returns a driver monitor feeding the database histogram,
// for store.Options.Monitor. The driver calls it on its own goroutines.
func (m *Metrics) CommandMonitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			m.dbSeconds.WithLabelValues(e.CommandName).Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			m.dbSeconds.WithLabelValues(e.CommandName).Observe(e.Duration.Seconds())
			m.dbFailures.WithLabelValues(e.CommandName).Inc()
		},
	}
}

// PoolMonitor returns a driver monitor tracking the connection pools, for
// store.Options.PoolMonitor: a pool pinned at its maximum in use explains
// slow requests that the command histogram alone does not.
func (m *Metrics) PoolMonitor() *event.PoolMonitor {
	return &event.PoolMonitor{Event: func(e *event.PoolEvent) {
		switch e.Type {
		case event.ConnectionCreated:
			m.poolOpen.Inc()
		case event.ConnectionClosed:
			m.poolOpen.Dec()
		case event.ConnectionCheckedOut:
			m.poolInUse.Inc()
		case event.ConnectionCheckedIn:
			m.poolInUse.Dec()
		case event.ConnectionCheckOutFailed:
			m.poolFailures.Inc()
		}
	}}
}

// ObserveHub exposes the hub's connection gauges and event counters, read
// from stats at each scrape: the hub keeps plain atomics and never imports
// Prometheus. Call it once per Metrics; a second call fails with a
// registration error.
func (m *Metrics) ObserveHub(stats func() hub.Stats) error {
	gauge := func(name, help string, v func(hub.Stats) int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: metricsNamespace, Name: name, Help: help},
			func() float64 { return float64(v(stats())) })
	}
	counter := func(name, help string, v func(hub.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: metricsNamespace, Name: name, Help: help},
			func() float64 { return float64(v(stats())) })
	}
	for _, c := range []prometheus.Collector{
		gauge("ws_connections", "Open WebSocket connections.",
			func(s hub.Stats) int64 { return s.Connections }),
		gauge("ws_subscriptions", "Topic subscriptions of the open WebSocket connections.",
			func(s hub.Stats) int64 { return s.Subscriptions }),
		counter("events_published_total", "Events the broker accepted for fan-out.",
			func(s hub.Stats) uint64 { return s.Published }),
		counter("events_publish_errors_total", "Events the broker refused.",
			func(s hub.Stats) uint64 { return s.PublishErrors }),
		counter("events_delivered_total", "Event frames queued to a local connection.",
			func(s hub.Stats) uint64 { return s.Delivered }),
		counter("events_dropped_total", "Event frames not queued because the connection was full or closing.",
			func(s hub.Stats) uint64 { return s.Dropped }),
		counter("ws_slow_disconnects_total", "Connections closed for not keeping up with their events.",
			func(s hub.Stats) uint64 { return s.SlowDisconnects }),
		counter("ws_signed_out_total", "Connections closed because their session logged out or the account was deleted.",
			func(s hub.Stats) uint64 { return s.SignedOut }),
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// handler serves the registry in the Prometheus text format. Collection
// errors are reported in the answer (and as a 500) rather than hidden.
func (m *Metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(m.Handler())
}

// Handler serves the Prometheus text format of the registry, for the
// admin address (ADMIN_ADDR), where the public never reaches.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
}

// observe records one finished request. method may alias a buffer Fiber
// reuses for the next request, and the vectors keep their label strings,
// so it is replaced by a constant here.
func (m *Metrics) observe(route, method string, status int, elapsed time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

// methodLabel returns the constant for a standard method, "OTHER" for
// anything else (Fiber answers unknown methods before any middleware, so
// that is a safety net for the label's cardinality).
func methodLabel(method string) string {
	for _, m := range []string{
		fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace,
	} {
		if method == m {
			return m
		}
	}
	return "OTHER"
}

// routeLabel is the bounded name of the route that answered c: the
// registered pattern (/api/v1/pins/:id), never the raw path. When
// middleware mounted with Use answered instead (static files, a refused
// CSRF token), it is that mount's prefix followed by "/*"; a 404 or 405
// that no route claimed is "unmatched". Route paths are strings fixed at
// registration, so the vectors may keep them.
func routeLabel(c *fiber.Ctx, status int, mounts useMounts) string {
	r := c.Route()
	if !mounts.has(r) {
		return r.Path
	}
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		return unmatchedRoute
	}
	return strings.TrimSuffix(r.Path, "/") + "/*"
}

// useMounts are the Use mounts of an app, known by the first element of
// their handler slice. Fiber keeps mounts beside the routes, with the
// HTTP method, and merges consecutive ones on one path; after c.Next,
// c.Route() is the last entry that matched, which is a mount exactly when
// no route did. Fiber marks mounts only in an unexported field, but
// GetRoutes(true) lists the routes without them, as shallow copies whose
// handler slices are the stack's own: what Stack holds beyond those is a
// mount.
type useMounts map[*fiber.Handler]bool

// findUseMounts lists the mounts of app once everything is registered (a
// route added later, as some tests do, counts as a route).
func findUseMounts(app *fiber.App) useMounts {
	routes := map[*fiber.Handler]bool{}
	for _, r := range app.GetRoutes(true) {
		if len(r.Handlers) > 0 {
			routes[&r.Handlers[0]] = true
		}
	}
	mounts := useMounts{}
	for _, stack := range app.Stack() {
		for _, r := range stack {
			if len(r.Handlers) > 0 && !routes[&r.Handlers[0]] {
				mounts[&r.Handlers[0]] = true
			}
		}
	}
	return mounts
}

// has reports whether r is a Use mount rather than a route.
func (m useMounts) has(r *fiber.Route) bool {
	return len(r.Handlers) > 0 && m[&r.Handlers[0]]
}
