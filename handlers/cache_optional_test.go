package handlers

import (
	"bytes"
	"net/http"
	"testing"
)

// TestCachesAreOptional: an app without any rendered-output cache
// (CacheBytes < 0) answers byte for byte what the cached one does, before
// and after a change, so the caches only ever save work.
func TestCachesAreOptional(t *testing.T) {
	cached := newEnv(t)
	app, err := New(Config{JWTSecret: testSecret, CacheBytes: -1}, Deps{Store: cached.store, Publisher: cached.pub})
	if err != nil {
		t.Fatal(err)
	}
	uncached := &testEnv{t: t, app: app, store: cached.store, pub: cached.pub}
	author, fan := cached.signup(), cached.signup()
	pin := cached.createPin(author, cached.createGroup(author, "board"), "sunset")["id"].(string)
	paths := []string{"/", "/pins/" + pin, "/users/" + author.id, "/api/v1/pins", "/api/v1/pins/" + pin}
	same := func(when string) {
		t.Helper()
		for _, p := range paths {
			for range 2 { // the second time from the cache, where there is one
				a := cached.must(http.StatusOK, req{method: "GET", path: p})
				b := uncached.must(http.StatusOK, req{method: "GET", path: p})
				if !bytes.Equal(a.body, b.body) {
					t.Errorf("%s: %s differs with and without caches:\n%.400s\n%.400s", when, p, a.body, b.body)
				}
			}
		}
	}
	same("before")
	cached.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + pin + "/like", token: fan.token})
	same("after a like")
	// A save changes no field of the pin but its count, shown on its page.
	cached.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + pin + "/saves/" + cached.createGroup(fan, "keep"), token: fan.token})
	same("after a save")
}
