package handlers

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// viewerRecorder notes the viewer of every list of cards a page asks for.
type viewerRecorder struct {
	store.Store
	mu      sync.Mutex
	viewers map[string][]bson.ObjectID
}

func (r *viewerRecorder) note(call string, viewer bson.ObjectID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.viewers[call] = append(r.viewers[call], viewer)
}

func (r *viewerRecorder) FindPins(ctx context.Context, q store.PinQuery, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	r.note("FindPins", viewer)
	return r.Store.FindPins(ctx, q, viewer, p)
}

func (r *viewerRecorder) FindRelatedPins(ctx context.Context, pin, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	r.note("FindRelatedPins", viewer)
	return r.Store.FindRelatedPins(ctx, pin, viewer, p)
}

// TestPagesAskCardsForNobody: the grids of the home, search, profile and
// pin pages (and the related pins' own page) ask the store for cards as
// nobody, which spares it the signed-in viewer's likes, bookmarks and
// saves of every pin (see cardViewer); the JSON API still asks as the
// viewer, whose flags it shows.
func TestPagesAskCardsForNobody(t *testing.T) {
	rec := &viewerRecorder{viewers: map[string][]bson.ObjectID{}}
	e := newEnvDeps(t, func(d *Deps) { rec.Store = d.Store; d.Store = rec })
	alice, bob := e.signup(), e.signup()
	group := e.createGroup(alice, "trips")
	pin := e.createPin(alice, group, "sunset beach")["id"].(string)
	e.createPin(alice, group, "sunset hill")
	b := e.newBrowser(&bob)
	for _, path := range []string{"/", "/?q=sunset", "/search?q=sunset", "/users/" + alice.id, "/pins/" + pin, "/pins/" + pin + "/related"} {
		expect(t, b.get(path), http.StatusOK, `data-pin="`)
	}
	rec.mu.Lock()
	if len(rec.viewers["FindPins"]) < 4 || len(rec.viewers["FindRelatedPins"]) != 2 {
		t.Errorf("lists asked for: %v", rec.viewers)
	}
	for call, vs := range rec.viewers {
		for _, v := range vs {
			if !v.IsZero() {
				t.Errorf("a page asked %s for viewer %s", call, v.Hex())
			}
		}
	}
	rec.viewers = map[string][]bson.ObjectID{}
	rec.mu.Unlock()
	e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins", token: bob.token})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if vs := rec.viewers["FindPins"]; len(vs) != 1 || vs[0].Hex() != bob.id {
		t.Errorf("the API asked FindPins for %v, want Bob %s", vs, bob.id)
	}
}

// The badge shows the unread count whether the store reads it along with
// the session's user (store.SessionUsers, as the SQLite store does) or
// the page asks for it (a store without it).
func TestBadgeWithAndWithoutSessionUsers(t *testing.T) {
	for name, hide := range map[string]bool{"read with the user": false, "asked by the page": true} {
		t.Run(name, func(t *testing.T) {
			var served store.Store
			e := newEnvDeps(t, func(d *Deps) {
				if hide {
					d.Store = struct{ store.Store }{d.Store}
				}
				served = d.Store
			})
			if _, ok := served.(store.SessionUsers); ok == hide {
				t.Fatalf("the store implements store.SessionUsers: %v", ok)
			}
			alice, bob, carol := e.signup(), e.signup(), e.signup()
			a := e.newBrowser(&alice)
			expect(t, a.get("/"), http.StatusOK, `data-unread hidden>0<`)
			aliceID, _ := bson.ObjectIDFromHex(alice.id)
			for _, actor := range []user{bob, carol} {
				id, _ := bson.ObjectIDFromHex(actor.id)
				if _, err := e.store.Notify(t.Context(), store.NotifyFollow, id, nil, []bson.ObjectID{aliceID}); err != nil {
					t.Fatal(err)
				}
			}
			expect(t, a.get("/"), http.StatusOK, `data-unread>2<`)
			expect(t, a.get("/users/"+bob.id), http.StatusOK, `data-unread>2<`)
		})
	}
}
