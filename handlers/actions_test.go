package handlers

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// countingImageStore counts the images written.
type countingImageStore struct {
	store.Store
	puts *atomic.Int64
}

func (s countingImageStore) PutImage(ctx context.Context, files []store.ImageFile) error {
	s.puts.Add(1)
	return s.Store.PutImage(ctx, files)
}

// TestNoImageForSomeoneElses checks that an edit carrying an image for
// someone else's pin or group is refused, through the API and the forms,
// with the store's status, before the image is stored: no orphan images.
func TestNoImageForSomeoneElses(t *testing.T) {
	puts := &atomic.Int64{}
	s := countingImageStore{storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost}), puts}
	app, err := New(Config{JWTSecret: testSecret}, Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: s}
	owner, other := e.signup(), e.signup()
	group := e.createGroup(owner, "public")
	pin := e.createPin(owner, group, "p")["id"].(string)
	body, ct := form(t, map[string]string{"title": "hidden", "secret": "true"}, "", nil)
	secret := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: owner.token}).json(t)["id"].(string)
	img := pngBytes(t, 40, 30, 9)
	before := puts.Load()

	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/v1/pins/" + pin, http.StatusForbidden},
		{"/api/v1/groups/" + group, http.StatusForbidden},
		{"/api/v1/groups/" + secret, http.StatusNotFound},
	} {
		body, ct := form(t, map[string]string{"title": "mine now"}, "x.png", img)
		e.must(tc.status, req{method: "PATCH", path: tc.path, body: body, contentType: ct, token: other.token})
	}
	br := e.newBrowser(&other)
	br.get("/")
	expect(t, br.postMultipart("/pins/"+pin+"/edit", map[string]string{"title": "mine now", "group_id": group}, img), http.StatusForbidden)
	expect(t, br.postMultipart("/groups/"+group+"/edit", map[string]string{"title": "mine now"}, img), http.StatusForbidden)
	expect(t, br.postMultipart("/groups/"+secret+"/edit", map[string]string{"title": "mine now"}, img), http.StatusNotFound)
	if n := puts.Load() - before; n != 0 {
		t.Fatalf("%d images stored for someone else's pin or group", n)
	}
}
