package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// gatedStore holds every NotifyFollowers until gate is closed.
type gatedStore struct {
	store.Store
	gate chan struct{}
}

func (g gatedStore) NotifyFollowers(ctx context.Context, actor, pin bson.ObjectID) ([]store.Delivery, error) {
	<-g.gate
	return g.Store.NotifyFollowers(ctx, actor, pin)
}

// TestNewPinNotifiesAfterResponse checks that a new pin is answered before
// its followers' notifications are written, that they still arrive with
// their live event, and that shutdown waits for them.
func TestNewPinNotifiesAfterResponse(t *testing.T) {
	gate := make(chan struct{})
	s := gatedStore{storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost}), gate}
	pub := &recordingPublisher{}
	app, err := New(Config{JWTSecret: testSecret}, Deps{Store: s, Publisher: pub})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: s, pub: pub}
	a, b := e.signup(), e.signup()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	// Answered while the fan-out is held: it runs after the response.
	id := e.createPin(a, e.createGroup(a, "g"), "new")["id"].(string)

	done := make(chan struct{})
	go func() {
		_ = app.Shutdown() // "server is not running" (app.Test): its hooks run all the same
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("shutdown returned before the followers' notifications were written")
	case <-time.After(200 * time.Millisecond):
	}
	close(gate)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not return after the notifications were written")
	}
	bID, _ := bson.ObjectIDFromHex(b.id)
	np, err := s.FindNotifications(context.Background(), bID, store.Page{})
	if items := np.Items; err != nil || np.Unread != 1 || len(items) != 1 || items[0].Kind != store.NotifyNewPin || items[0].Pin == nil || items[0].Pin.ID.Hex() != id {
		t.Fatalf("b's notifications = %+v, %v", np, err)
	}
	if n := e.pub.find("user:"+b.id, evNotificationCreated); len(n) != 1 || n[0].Data["kind"] != "new_pin" {
		t.Fatalf("notification.created for b = %+v", n)
	}
}

// gatedNotifyStore holds every Notify until gate is closed.
type gatedNotifyStore struct {
	store.Store
	gate chan struct{}
}

func (g gatedNotifyStore) Notify(ctx context.Context, kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients []bson.ObjectID) ([]store.Delivery, error) {
	<-g.gate
	return g.Store.Notify(ctx, kind, actor, pin, recipients)
}

// TestFollowAndSaveNotifyAfterResponse checks that a follow and a save
// are answered while their notification is still held, and that the
// notification is written and delivered once let through.
func TestFollowAndSaveNotifyAfterResponse(t *testing.T) {
	cases := []struct {
		name string
		kind string
		// act prepares the request whose notification goes to the
		// returned recipient.
		act func(e *testEnv) (*http.Request, user)
	}{
		{"follow", store.NotifyFollow, func(e *testEnv) (*http.Request, user) {
			a, b := e.signup(), e.signup()
			r := httptest.NewRequest("PUT", "/api/v1/users/"+a.id+"/follow", nil)
			r.Header.Set("Authorization", "Bearer "+b.token)
			return r, a
		}},
		{"save", store.NotifySave, func(e *testEnv) (*http.Request, user) {
			a, b := e.signup(), e.signup()
			pin := e.createPin(a, e.createGroup(a, "mine"), "p")["id"].(string)
			r := httptest.NewRequest("PUT", "/api/v1/pins/"+pin+"/saves/"+e.createGroup(b, "theirs"), nil)
			r.Header.Set("Authorization", "Bearer "+b.token)
			return r, a
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			var once sync.Once
			release := func() { once.Do(func() { close(gate) }) }
			t.Cleanup(release)
			s := gatedNotifyStore{storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost}), gate}
			pub := &recordingPublisher{}
			app, err := New(Config{JWTSecret: testSecret}, Deps{Store: s, Publisher: pub})
			if err != nil {
				t.Fatal(err)
			}
			e := &testEnv{t: t, app: app, store: s, pub: pub}
			hr, recipient := tc.act(e)

			answered := make(chan int, 1)
			go func() {
				res, err := app.Test(hr, -1)
				if err != nil {
					answered <- 0
					return
				}
				res.Body.Close()
				answered <- res.StatusCode
			}()
			select {
			case status := <-answered:
				if status != http.StatusOK {
					t.Fatalf("status %d, want 200", status)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no answer while the notification is held: it is written before the response")
			}

			release()
			deadline := time.Now().Add(10 * time.Second)
			for len(pub.find("user:"+recipient.id, evNotificationCreated)) == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no notification.created after the notification was let through")
				}
				time.Sleep(5 * time.Millisecond)
			}
			id, _ := bson.ObjectIDFromHex(recipient.id)
			np, err := s.FindNotifications(context.Background(), id, store.Page{})
			if err != nil || np.Unread != 1 || len(np.Items) != 1 || np.Items[0].Kind != tc.kind {
				t.Fatalf("notifications = %+v, %v; want one %s", np, err, tc.kind)
			}
		})
	}
}
