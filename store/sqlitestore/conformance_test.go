package sqlitestore_test

import (
	"testing"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// TestConformance holds the SQLite store to every domain rule, each
// subtest on a fresh database file of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store {
		return storetest.SQLite(t, opts)
	})
}
