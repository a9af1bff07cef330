package mongostore_test

import (
	"context"
	"testing"

	"mypinterest/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Opening twice on one database must succeed: index creation is idempotent.
func TestOpenIsIdempotent(t *testing.T) {
	s := storetest.NewMongo(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}
