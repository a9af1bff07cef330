// Package archtest holds the test that keeps the package boundaries of
// docs/ARCHITECTURE.md: store knows nothing of HTTP or the hub, the hub
// nothing of MongoDB or the handlers, and so on.
package archtest
