package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// A hung database (SIGSTOP: its connections stay open, nothing answers)
// is a 503 unavailable within 2 s too, not a wait for the request's 30 s
// deadline; when it continues, requests succeed again without a restart.
func TestDatabaseHungIsA503WithinTwoSeconds(t *testing.T) {
	db := storetest.StartProcess(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := mongostore.Open(ctx, db.URI, "dbhung", mongostore.Options{
		Options: store.Options{PasswordCost: bcrypt.MinCost},
		NoCache: true, // every request must reach the database
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	app, err := New(Config{JWTSecret: testSecret}, Deps{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: st}
	author := e.signup()
	pin := e.createPin(author, e.createGroup(author, "g"), "p")["id"].(string)

	db.Stop(t)
	for _, r := range []req{
		// First a request on a pooled connection: nothing but a deadline
		// per command ends its wait. (/readyz has its own, and its
		// failed ping marks the server unknown for the requests after it.)
		{method: "GET", path: "/api/v1/pins/" + pin},
		{method: "GET", path: "/api/v1/pins?q=nothing"},
		{method: "GET", path: "/api/v1/pins/" + pin + "/comments"},
		{method: "POST", path: "/api/v1/pins/" + pin + "/comments", token: author.token, body: map[string]string{"content": "during"}},
		{method: "GET", path: "/readyz"},
	} {
		start := time.Now()
		res := e.do(r)
		took := time.Since(start)
		t.Logf("%s %s: %d after %v", r.method, r.path, res.status, took)
		if res.status != http.StatusServiceUnavailable || res.errCode(t) != "unavailable" || took > 2*time.Second {
			t.Errorf("%s %s with the database hung: %d after %v: %s; want 503 unavailable within 2s", r.method, r.path, res.status, took, res.body)
		}
	}

	db.Continue(t)
	eventually(t, 30*time.Second, "requests succeed again", func() bool { return e.do(req{method: "GET", path: "/readyz"}).status == http.StatusOK })
	e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + pin + "/comments", token: author.token, body: map[string]string{"content": "after"}})
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + pin})
}
