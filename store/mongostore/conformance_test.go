package mongostore_test

import (
	"testing"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// TestConformance holds the MongoDB store to every domain rule, each
// subtest on a fresh database of the shared test server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store {
		return storetest.NewMongo(t, opts)
	})
}
