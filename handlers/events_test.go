package handlers

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

func TestEventsArePublished(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()

	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	frames := e.pub.find("profile:"+a.id, evProfileFollowers)
	if len(frames) != 1 || frames[0].Data["user_id"] != a.id || frames[0].Data["follower_count"] != 1.0 {
		t.Fatalf("profile.followers = %+v (a repeated follow must not publish)", frames)
	}
	checkFrame(t, frames[0], "profile:"+a.id, evProfileFollowers)
	follows := e.pub.find("user:"+a.id, evNotificationCreated)
	if len(follows) != 1 || follows[0].Data["kind"] != "follow" || follows[0].Data["unread_count"] != 1.0 ||
		follows[0].Data["actor"].(map[string]any)["id"] != b.id || follows[0].Data["pin"] != nil {
		t.Fatalf("follow notification = %+v", follows)
	}

	pin := e.createPin(a, e.createGroup(a, "g"), "live")
	id := pin["id"].(string)
	created := e.pub.find("pins", evPinCreated)
	if len(created) != 1 || created[0].Data["id"] != id || created[0].Data["title"] != "live" || created[0].Data["liked_by_me"] != false {
		t.Fatalf("pin.created = %+v", created)
	}
	newPin := e.pub.find("user:"+b.id, evNotificationCreated)
	if len(newPin) != 1 || newPin[0].Data["kind"] != "new_pin" || newPin[0].Data["pin"].(map[string]any)["id"] != id {
		t.Fatalf("new_pin notification for the follower = %+v", newPin)
	}

	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + id + "/like", token: b.token})
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + id + "/like", token: b.token})
	e.must(http.StatusOK, req{method: "DELETE", path: "/api/v1/pins/" + id + "/like", token: b.token})
	liked := e.pub.find("pin:"+id, evPinLiked)
	if len(liked) != 2 || liked[0].Data["like_count"] != 1.0 || liked[1].Data["like_count"] != 0.0 || liked[0].Data["pin_id"] != id {
		t.Fatalf("pin.liked = %+v", liked)
	}
	likes := e.pub.find("user:"+a.id, evNotificationCreated)
	if len(likes) != 2 || likes[1].Data["kind"] != "like" || likes[1].Data["unread_count"] != 2.0 {
		t.Fatalf("like notification = %+v", likes)
	}

	c := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + id + "/comments", token: b.token,
		body: map[string]string{"content": "wow"}}).json(t)
	cc := e.pub.find("pin:"+id, evCommentCreated)
	if len(cc) != 1 || cc[0].Data["id"] != c["id"] || cc[0].Data["content"] != "wow" || cc[0].Data["author"].(map[string]any)["id"] != b.id {
		t.Fatalf("comment.created = %+v", cc)
	}
	if n := e.pub.find("user:"+a.id, evNotificationCreated); len(n) != 3 || n[2].Data["kind"] != "comment" {
		t.Fatalf("comment notification = %+v", n)
	}
	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/comments/" + c["id"].(string), token: b.token})
	if cd := e.pub.find("pin:"+id, evCommentDeleted); len(cd) != 1 || cd[0].Data["id"] != c["id"] {
		t.Fatalf("comment.deleted = %+v", cd)
	}

	e.must(http.StatusOK, req{method: "PATCH", path: "/api/v1/pins/" + id, token: a.token, body: map[string]string{"title": "edited"}})
	if pu := e.pub.find("pin:"+id, evPinUpdated); len(pu) != 1 || pu[0].Data["title"] != "edited" {
		t.Fatalf("pin.updated = %+v", pu)
	}
	e.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/pins/" + id, token: a.token})
	if pd := e.pub.find("pin:"+id, evPinDeleted); len(pd) != 1 || pd[0].Data["id"] != id {
		t.Fatalf("pin.deleted = %+v", pd)
	}

	e.must(http.StatusOK, req{method: "DELETE", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	if f := e.pub.find("profile:"+a.id, evProfileFollowers); len(f) != 2 || f[1].Data["follower_count"] != 0.0 {
		t.Fatalf("profile.followers after unfollow = %+v", f)
	}
}

// checkFrame checks the envelope of a frame.
func checkFrame(t *testing.T, f recordedFrame, topic, event string) {
	t.Helper()
	if f.Type != "event" || f.Topic != topic || f.Event != event {
		t.Errorf("frame = %+v", f)
	}
	if d := time.Since(time.UnixMilli(f.TS)); d < 0 || d > time.Minute {
		t.Errorf("ts = %d", f.TS)
	}
}

type failingPublisher struct{}

func (failingPublisher) Publish(context.Context, string, []byte) error {
	return errors.New("hub down")
}

func TestFailedPublishDoesNotFailTheRequest(t *testing.T) {
	s := storetest.New(t, store.Options{PasswordCost: bcrypt.MinCost})
	var failures atomic.Int64
	app, err := New(Config{JWTSecret: testSecret, OnPublishError: func() { failures.Add(1) }},
		Deps{Store: s, Publisher: failingPublisher{}})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: s}
	a, b := e.signup(), e.signup()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	// One profile.followers and one notification.created were lost.
	if got := failures.Load(); got != 2 {
		t.Errorf("failures counted = %d, want 2", got)
	}
	p := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + a.id}).json(t)
	if p["follower_count"] != 1.0 {
		t.Errorf("the follow was not kept: %v", p)
	}
}
