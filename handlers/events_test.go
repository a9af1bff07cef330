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
	// The follow's notification is written after the response.
	eventually(t, 10*time.Second, "the follow notification", func() bool { return len(e.pub.find("user:"+a.id, evNotificationCreated)) >= 1 })
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
	// Written after the response: wait for it.
	eventually(t, 10*time.Second, "the new_pin notification", func() bool { return len(e.pub.find("user:"+b.id, evNotificationCreated)) >= 1 })
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
	wantRevs(t, "pin.liked", liked)
	eventually(t, 10*time.Second, "the like notification", func() bool { return len(e.pub.find("user:"+a.id, evNotificationCreated)) >= 2 })
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
	// Written after the response: wait for it.
	eventually(t, 10*time.Second, "the comment notification", func() bool { return len(e.pub.find("user:"+a.id, evNotificationCreated)) >= 3 })
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
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	f := e.pub.find("profile:"+a.id, evProfileFollowers)
	if len(f) != 3 || f[1].Data["follower_count"] != 0.0 || f[2].Data["follower_count"] != 1.0 {
		t.Fatalf("profile.followers after unfollow and follow = %+v", f)
	}
	wantRevs(t, "profile.followers", f)
}

// wantRevs checks that every frame carries a rev and that the revs grow
// strictly from one frame to the next (these toggles run one after the
// other).
func wantRevs(t *testing.T, event string, frames []recordedFrame) {
	t.Helper()
	last := 0.0
	for i, f := range frames {
		rev, ok := f.Data["rev"].(float64)
		if !ok || rev <= last {
			t.Fatalf("%s frame %d: rev %v after %v, want it to grow: %+v", event, i, f.Data["rev"], last, frames)
		}
		last = rev
	}
}

// TestCascadeDeletionEvents checks that deleting a group or an account
// tells watchers about the pins, comments and follows that went with it,
// through the API and through the forms.
func TestCascadeDeletionEvents(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.signup(), e.signup(), e.signup()
	pinIDs := func(pins ...map[string]any) []string {
		out := make([]string, len(pins))
		for i, p := range pins {
			out[i] = p["id"].(string)
		}
		return out
	}
	wantPinsDeleted := func(t *testing.T, ids ...string) {
		t.Helper()
		for _, id := range ids {
			pd := e.pub.find("pin:"+id, evPinDeleted)
			if len(pd) != 1 || pd[0].Data["id"] != id {
				t.Errorf("pin.deleted on pin:%s = %+v", id, pd)
				continue
			}
			checkFrame(t, pd[0], "pin:"+id, evPinDeleted)
		}
	}

	t.Run("group api", func(t *testing.T) {
		en := e.with(t)
		g, keep := en.createGroup(a, "gone"), en.createGroup(a, "kept")
		gone := pinIDs(en.createPin(a, g, "one"), en.createPin(a, g, "two"))
		kept := pinIDs(en.createPin(a, keep, "three"))[0]
		en.must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/groups/" + g, token: a.token})
		wantPinsDeleted(t, gone...)
		if n := len(e.pub.find("pin:"+kept, evPinDeleted)); n != 0 {
			t.Errorf("a pin of another group got %d pin.deleted", n)
		}
	})

	t.Run("group form", func(t *testing.T) {
		en := e.with(t)
		g := en.createGroup(a, "form")
		gone := pinIDs(en.createPin(a, g, "four"), en.createPin(a, g, "five"))
		br := en.newBrowser(&a)
		br.get("/groups/" + g)
		expect(t, br.post("/groups/"+g+"/delete", nil), http.StatusSeeOther)
		wantPinsDeleted(t, gone...)
	})

	// victim follows a and c, comments on a's pin and owns two pins (one
	// with b's comment on it); b follows the victim.
	account := func(t *testing.T) (victim user, own []string, onOthers, follow string) {
		en := e.with(t)
		victim = en.signup()
		for _, u := range []user{a, c} {
			en.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + u.id + "/follow", token: victim.token})
		}
		en.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + victim.id + "/follow", token: b.token})
		g := en.createGroup(victim, "mine")
		own = pinIDs(en.createPin(victim, g, "v1"), en.createPin(victim, g, "v2"))
		en.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + own[0] + "/comments", token: b.token,
			body: map[string]string{"content": "on the victim's pin"}})
		onOthers = pinIDs(en.createPin(a, en.createGroup(a, "others"), "a's"))[0]
		cm := en.must(http.StatusCreated, req{method: "POST", path: "/api/v1/pins/" + onOthers + "/comments", token: victim.token,
			body: map[string]string{"content": "bye"}}).json(t)
		return victim, own, onOthers, cm["id"].(string)
	}
	wantAccountEvents := func(t *testing.T, own []string, onOthers, comment string, followersBefore map[string]int) {
		t.Helper()
		wantPinsDeleted(t, own...)
		if cd := e.pub.find("pin:"+onOthers, evCommentDeleted); len(cd) != 1 || cd[0].Data["id"] != comment {
			t.Errorf("comment.deleted on the other user's pin = %+v", cd)
		}
		// The comment on the victim's own pin is covered by pin.deleted.
		if cd := e.pub.find("pin:"+own[0], evCommentDeleted); len(cd) != 0 {
			t.Errorf("comment.deleted on the deleted pin = %+v", cd)
		}
		for _, u := range []user{a, c} {
			f := e.pub.find("profile:"+u.id, evProfileFollowers)
			want := float64(followersBefore[u.id] - 1)
			if len(f) == 0 || f[len(f)-1].Data["user_id"] != u.id || f[len(f)-1].Data["follower_count"] != want {
				t.Errorf("last profile.followers of %s = %+v, want follower_count %v", u.nickname, f, want)
				continue
			}
			checkFrame(t, f[len(f)-1], "profile:"+u.id, evProfileFollowers)
			p := e.with(t).must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + u.id}).json(t)
			if p["follower_count"] != want {
				t.Errorf("profile of %s says %v followers, the event %v", u.nickname, p["follower_count"], want)
			}
		}
		// b followed the victim: b's own follower count did not change.
		if f := e.pub.find("profile:"+b.id, evProfileFollowers); len(f) != 0 {
			t.Errorf("profile.followers for a follower of the victim = %+v", f)
		}
	}
	followers := func(t *testing.T) map[string]int {
		out := map[string]int{}
		for _, u := range []user{a, c} {
			p := e.with(t).must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + u.id}).json(t)
			out[u.id] = int(p["follower_count"].(float64))
		}
		return out
	}

	t.Run("account api", func(t *testing.T) {
		victim, own, onOthers, comment := account(t)
		before := followers(t)
		e.with(t).must(http.StatusNoContent, req{method: "DELETE", path: "/api/v1/me", token: victim.token,
			body: map[string]string{"password": victim.password}})
		wantAccountEvents(t, own, onOthers, comment, before)
	})

	t.Run("account form", func(t *testing.T) {
		victim, own, onOthers, comment := account(t)
		before := followers(t)
		br := e.with(t).newBrowser(&victim)
		br.get("/settings/delete")
		expect(t, br.post("/settings/delete", map[string]string{"password": victim.password}), http.StatusSeeOther)
		wantAccountEvents(t, own, onOthers, comment, before)
	})
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
	app, err := New(Config{JWTSecret: testSecret},
		Deps{Store: s, Publisher: failingPublisher{}, OnPublishError: func() { failures.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, app: app, store: s}
	a, b := e.signup(), e.signup()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/users/" + a.id + "/follow", token: b.token})
	// One profile.followers and one notification.created were lost; the
	// notification is written after the response, so wait for it.
	eventually(t, 10*time.Second, "two failures counted", func() bool { return failures.Load() >= 2 })
	if got := failures.Load(); got != 2 {
		t.Errorf("failures counted = %d, want 2", got)
	}
	p := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/users/" + a.id}).json(t)
	if p["follower_count"] != 1.0 {
		t.Errorf("the follow was not kept: %v", p)
	}
}
