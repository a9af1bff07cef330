package main

import (
	"mypinterest/handlers"
	"mypinterest/store/mongostore"
)

// Observability wiring. The metrics live in handlers.Metrics, on a registry
// of their own, and are served at GET /metrics on the main port, as SPEC §4
// lists it, so that a scraper reaches every instance at the address it
// already knows. They name routes, command names and event volumes but no
// user data; still, they are for operators: the public proxy should not
// pass /metrics through, and Prometheus should scrape the instances
// directly on the internal network.

// initMetrics creates the process's metrics and points the database
// driver's command and pool monitors at them. It runs before the store
// opens, because a client takes its monitors when it connects.
func (m *Main) initMetrics(opts *mongostore.Options) {
	m.metrics = handlers.NewMetrics()
	opts.Monitor = m.metrics.CommandMonitor()
	opts.PoolMonitor = m.metrics.PoolMonitor()
}

// observeHub exposes the hub's connection gauges and event counters. The
// hub only keeps atomics; the gauges read its Stats at each scrape, so the
// hub never imports Prometheus.
func (m *Main) observeHub() error {
	return m.metrics.ObserveHub(m.hub.Stats)
}
