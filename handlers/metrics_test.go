package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/hub"
	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// newMetricsEnv builds an app wired as cmd wires it: the store reports to
// the metrics' driver monitors, a failed publish is counted, and the hub
// (when given) is observed.
func newMetricsEnv(t *testing.T, pub Publisher, h *hub.Hub) (*testEnv, *Metrics) {
	t.Helper()
	met := NewMetrics()
	s := storetest.Mongo(t, mongostore.Options{
		Options:     store.Options{PasswordCost: bcrypt.MinCost},
		Monitor:     met.CommandMonitor(),
		PoolMonitor: met.PoolMonitor(),
	})
	if h != nil {
		if err := met.ObserveHub(h.Stats); err != nil {
			t.Fatalf("ObserveHub: %v", err)
		}
	}
	app, err := New(Config{JWTSecret: testSecret, PublicMetrics: true},
		Deps{Store: s, Publisher: pub, Metrics: met, OnPublishError: met.PublishFailed})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, app: app, store: s}, met
}

// waitCounter waits until met's counter name (without labels) reaches
// want: a follow's notification is published after the response.
func waitCounter(t *testing.T, met *Metrics, name string, want float64) {
	t.Helper()
	eventually(t, 10*time.Second, name, func() bool {
		fams, err := met.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			if f.GetName() == name && len(f.GetMetric()) == 1 {
				return f.GetMetric()[0].GetCounter().GetValue() >= want
			}
		}
		return false
	})
}

// mustHub starts a real in-process hub, shut down with the test.
func mustHub(t *testing.T) *hub.Hub {
	t.Helper()
	h := hub.New(hub.NewMemoryBroker(), hub.Config{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
	})
	return h
}

// scrape GETs /metrics through the app and parses the text format.
func (e *testEnv) scrape() map[string]*dto.MetricFamily {
	e.t.Helper()
	r := e.must(http.StatusOK, req{method: "GET", path: "/metrics"})
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		e.t.Fatalf("/metrics Content-Type = %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		e.t.Fatalf("/metrics is not the Prometheus text format: %v\n%s", err, r.body)
	}
	return fams
}

// series returns the metric of family name whose labels include want, or
// nil.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// mustSeries is series failing the test when there is none.
func mustSeries(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	m := series(fams, name, want)
	if m == nil {
		t.Fatalf("no %s%v in /metrics", name, want)
	}
	return m
}

func TestMetricsHTTPRoutesAndDatabase(t *testing.T) {
	h := mustHub(t)
	e, met := newMetricsEnv(t, h, h)
	missing := bson.NewObjectID().Hex()

	e.must(http.StatusOK, req{method: "GET", path: "/healthz"})
	e.must(http.StatusOK, req{method: "GET", path: "/static/img/avatar.svg"})
	e.must(http.StatusNotFound, req{method: "GET", path: "/no/such/page"})
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/no-such-endpoint"})
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/" + missing})
	a, b := e.signup(), e.signup()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + a.id})
	// A command the server refuses reaches the monitor's Failed hook.
	if err := e.store.(*mongostore.Store).Database().RunCommand(context.Background(), bson.D{{Key: "noSuchCommand", Value: 1}}).Err(); err == nil {
		t.Fatal("the server accepted noSuchCommand")
	}
	waitCounter(t, met, "mypinterest_events_published_total", 2)

	fams := e.scrape()
	for _, c := range []struct {
		name                  string
		route, method, status string
	}{
		{"a probe", "/healthz", "GET", "200"},
		{"a file served by a Use mount", "/static/*", "GET", "200"},
		{"an unknown page", unmatchedRoute, "GET", "404"},
		{"an API route found, its pin not", "/api/v1/pins/:id", "GET", "404"},
		{"a sign-up", "/api/v1/auth/signup", "POST", "201"},
		{"a follow", "/api/v1/users/:id/follow", "PUT", "200"},
		{"a profile", "/api/v1/users/:id", "GET", "200"},
	} {
		t.Run(c.name, func(t *testing.T) {
			labels := map[string]string{"route": c.route, "method": c.method, "status": c.status}
			m := mustSeries(t, fams, "mypinterest_http_requests_total", labels)
			if m.GetCounter().GetValue() < 1 {
				t.Errorf("count = %v", m.GetCounter().GetValue())
			}
			d := mustSeries(t, fams, "mypinterest_http_request_duration_seconds",
				map[string]string{"route": c.route, "method": c.method})
			if d.GetHistogram().GetSampleCount() < 1 {
				t.Errorf("no duration samples for %s", c.route)
			}
		})
	}
	// Both unknown paths (one under the API group's middleware) share
	// one series, and no raw path or id became a label value.
	if m := mustSeries(t, fams, "mypinterest_http_requests_total",
		map[string]string{"route": unmatchedRoute, "status": "404"}); m.GetCounter().GetValue() != 2 {
		t.Errorf("unmatched 404s = %v, want 2", m.GetCounter().GetValue())
	}
	for _, m := range fams["mypinterest_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if v := l.GetValue(); strings.Contains(v, missing) || strings.Contains(v, a.id) ||
				strings.Contains(v, "no-such") || strings.Contains(v, "avatar") {
				t.Errorf("raw path in a label: %s=%q", l.GetName(), v)
			}
		}
	}

	for _, cmd := range []string{"insert", "find"} {
		m := mustSeries(t, fams, "mypinterest_db_command_duration_seconds", map[string]string{"command": cmd})
		if m.GetHistogram().GetSampleCount() == 0 || m.GetHistogram().GetSampleSum() <= 0 {
			t.Errorf("db %s histogram has no samples: %v", cmd, m.GetHistogram())
		}
	}
	if v := mustSeries(t, fams, "mypinterest_db_command_failures_total",
		map[string]string{"command": "noSuchCommand"}).GetCounter().GetValue(); v != 1 {
		t.Errorf("db_command_failures_total{noSuchCommand} = %v, want 1", v)
	}
	if v := mustSeries(t, fams, "mypinterest_db_pool_connections", nil).GetGauge().GetValue(); v < 1 {
		t.Errorf("db_pool_connections = %v, want ≥ 1 open connection", v)
	}

	// The follow published a profile.followers and a notification.created
	// through the real hub, which nobody had subscribed to.
	if v := mustSeries(t, fams, "mypinterest_events_published_total", nil).GetCounter().GetValue(); v != 2 {
		t.Errorf("events_published_total = %v, want 2", v)
	}
	for _, name := range []string{"mypinterest_ws_connections", "mypinterest_ws_subscriptions"} {
		if v := mustSeries(t, fams, name, nil).GetGauge().GetValue(); v != 0 {
			t.Errorf("%s = %v, want 0", name, v)
		}
	}
	for _, name := range []string{
		"mypinterest_events_publish_errors_total", "mypinterest_events_delivered_total",
		"mypinterest_events_dropped_total", "mypinterest_ws_slow_disconnects_total", "mypinterest_ws_signed_out_total",
		"mypinterest_handler_publish_failures_total",
	} {
		if v := mustSeries(t, fams, name, nil).GetCounter().GetValue(); v != 0 {
			t.Errorf("%s = %v, want 0", name, v)
		}
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		mustSeries(t, fams, name, nil)
	}
}

func TestMetricsCountFailedPublishes(t *testing.T) {
	e, met := newMetricsEnv(t, failingPublisher{}, nil)
	a, b := e.signup(), e.signup()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	waitCounter(t, met, "mypinterest_handler_publish_failures_total", 2)
	fams := e.scrape()
	// One profile.followers and one notification.created were lost.
	if v := mustSeries(t, fams, "mypinterest_handler_publish_failures_total", nil).GetCounter().GetValue(); v != 2 {
		t.Errorf("handler_publish_failures_total = %v, want 2", v)
	}
	// Without ObserveHub there are no hub families.
	if f := fams["mypinterest_ws_connections"]; f != nil {
		t.Errorf("hub gauges without a hub: %v", f)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	t.Run("unrouted without Metrics", func(t *testing.T) {
		e := newEnv(t)
		e.must(http.StatusNotFound, req{method: "GET", path: "/metrics"})
	})
	t.Run("no session, no CSRF token, no limit", func(t *testing.T) {
		e, met := newMetricsEnv(t, nil, nil)
		// A browser-looking request with a session cookie and no token:
		// a page would want a CSRF token, the scrape does not.
		for range 3 {
			e.must(http.StatusOK, req{method: "GET", path: "/metrics",
				header: map[string]string{"Cookie": sessionCookie + "=x", "Sec-Fetch-Site": "cross-site"}})
		}
		if err := met.ObserveHub(mustHub(t).Stats); err != nil {
			t.Fatalf("ObserveHub after serving: %v", err)
		}
		if err := met.ObserveHub(mustHub(t).Stats); err == nil {
			t.Error("a second ObserveHub registered duplicate families")
		}
		fams := e.scrape()
		m := mustSeries(t, fams, "mypinterest_http_requests_total",
			map[string]string{"route": "/metrics", "method": "GET", "status": "200"})
		if v := m.GetCounter().GetValue(); v != 3 {
			t.Errorf("scrapes counted = %v, want 3", v)
		}
		mustSeries(t, fams, "mypinterest_ws_connections", nil)
	})
}
