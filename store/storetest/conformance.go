package storetest

import (
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
)

// Opener opens a fresh, empty store with opts for one test and closes it
// (removing its data) when the test ends.
type Opener func(t *testing.T, opts store.Options) store.Store

// suite is what every conformance test gets: the way to open stores of the
// implementation under test.
type suite struct {
	open Opener
}

// conformanceTest is one rule, checked on stores of its own.
type conformanceTest struct {
	name string
	run  func(t *testing.T, s *suite)
}

// topics groups the rules as docs/API.md lists them; each file
// conformance_<topic>.go holds one list.
var topics = []struct {
	name  string
	tests []conformanceTest
}{
	{"users", userTests},
	{"follows", followTests},
	{"groups", groupTests},
	{"boards", boardTests},
	{"related", relatedTests},
	{"pins", pinTests},
	{"cursors", cursorTests},
	{"search", searchTests},
	{"reactions", reactionTests},
	{"comments", commentTests},
	{"notifications", notificationTests},
	{"accounts", accountTests},
	{"images", imageTests},
	{"tokens", tokenTests},
	{"transfer", transferTests},
	{"owners", ownerTests},
}

// Run holds a store implementation to every domain rule, through the
// store.Store interface only (and store.Transfer, which every store
// implements). open is called at least once per subtest: each subtest has
// stores of its own, so they all run in parallel. Run returns when every
// subtest has finished, so a caller may check what they did afterwards.
func Run(t *testing.T, open Opener) {
	s := &suite{open: open}
	var wg sync.WaitGroup
	for _, topic := range topics {
		// One goroutine per topic (t.Run allows it): the subtests of
		// every topic compete for the -parallel slots at once, rather
		// than one topic after another.
		wg.Go(func() {
			t.Run(topic.name, func(t *testing.T) {
				for _, ct := range topic.tests {
					t.Run(ct.name, func(t *testing.T) {
						t.Parallel()
						ct.run(t, s)
					})
				}
			})
		})
	}
	wg.Wait()
}

// store opens a fresh store with the suite's defaults.
func (s *suite) store(t *testing.T) store.Store {
	t.Helper()
	return s.storeWith(t, store.Options{})
}

// storeWith opens a fresh store with o; sign-ups hash at the cheapest
// bcrypt cost unless o says otherwise, so that creating users is fast.
func (s *suite) storeWith(t *testing.T, o store.Options) store.Store {
	t.Helper()
	if o.PasswordCost == 0 {
		o.PasswordCost = bcrypt.MinCost
	}
	st := s.open(t, o)
	if st == nil {
		t.Fatal("storetest: open returned no store")
	}
	return st
}

// transfer returns st as a store.Transfer: every store implements it.
func transfer(t *testing.T, st store.Store) store.Transfer {
	t.Helper()
	tr, ok := st.(store.Transfer)
	if !ok {
		t.Fatalf("%T does not implement store.Transfer", st)
	}
	return tr
}
