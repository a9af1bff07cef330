package mongostore_test

import (
	"context"
	"sync"
	"testing"

	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// Concurrent cold loads of one pin send one query: the first caller loads
// and the others wait for its result (or find it cached).
func TestColdLoadsCoalesce(t *testing.T) {
	var cc commandCounter
	s := storetest.Mongo(t, mongostore.Options{Monitor: cc.monitor()})
	me := fixtureUser(t, s, "me")
	pin := fixturePin(t, s, me, fixtureGroup(t, s, me), "cold", "")
	s.ApplyInvalidation([]string{"pin:" + pin.ID.Hex(), "card:" + me.Hex()}) // as another instance's edit would
	n := cc.during(func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 32 {
			wg.Go(func() {
				<-start
				if _, err := s.FindPin(context.Background(), pin.ID, me); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
	})
	if n["find pins"] != 1 || n["find users"] != 1 {
		t.Fatalf("32 concurrent cold reads of one pin sent %v", n)
	}
}
