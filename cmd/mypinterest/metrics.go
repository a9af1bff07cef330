package main

// Observability wiring. The metrics live in handlers.Metrics, on a registry
// of their own, and are served at GET /metrics on the main port, as docs/API.md §Machine endpoints
// lists it, so that a scraper reaches every instance at the address it
// already knows. They name routes, command names and event volumes but no
// user data; still, they are for operators: the public proxy should not
// pass /metrics through, and Prometheus should scrape the instances
// directly on the internal network.

// observeHub exposes the hub's connection gauges and event counters. The
// hub only keeps atomics; the gauges read its Stats at each scrape, so the
// hub never imports Prometheus.
func (m *Main) observeHub() error {
	return m.metrics.ObserveHub(m.hub.Stats)
}
