package handlers

import (
	"context"
	"net/http"
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
