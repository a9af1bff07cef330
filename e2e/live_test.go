//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mypinterest/internal/redistest"
	"mypinterest/store/mongostore"
)

// TestTwoInstancesBehindNginx runs the product as it is deployed: two server
// processes sharing one database and one Redis, behind the repository's
// nginx.conf. Live events must cross instances exactly once, in order, and
// clients of a killed instance must get through Nginx to the other.
func TestTwoInstancesBehindNginx(t *testing.T) {
	db, err := mongostore.StartEmbedded(t.TempDir(), "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Stop(t.Context()) })
	redis := redistest.Start(t)
	env := map[string]string{
		"MONGODB_URI":     db.URI(),
		"MONGODB_DB":      "e2e_live",
		"REDIS_URL":       "redis://" + redis.Addr + "/0",
		"JWT_SECRET":      strings.Repeat("e2e-secret-", 4),
		"AUTH_RATE_LIMIT": "0",
		"TRUSTED_PROXIES": "127.0.0.1",
		"LOG_LEVEL":       "warn",
	}
	one := StartInstance(t, env)
	two := StartInstance(t, env)
	edge := StartNginxWithOptions(t, NginxOptions{Upstreams: []string{one.Addr, two.Addr}, NoAuthRateLimit: true})
	base := "http://" + edge
	t.Logf("instances %s and %s behind nginx %s", one.Addr, two.Addr, edge)

	author := signUp(t, base, "author")
	reader := signUp(t, base, "reader")
	pinID := createPin(t, base, author)
	topic := "pin:" + pinID

	// Round robin spreads these over both instances; each comment below is
	// posted straight to one instance, alternating, so every subscriber
	// gets half of them from the other instance.
	var subs []*subscriber
	for i := 0; i < 6; i++ {
		subs = append(subs, dialLive(t, edge, "", topic))
	}
	const comments = 50
	for i := 0; i < comments; i++ {
		inst := []*Instance{one, two}[i%2]
		call(t, "http://"+inst.Addr, "POST", "/api/v1/pins/"+pinID+"/comments", reader.Token,
			jsonBody(map[string]string{"content": fmt.Sprintf("comment %d", i)}), "application/json", http.StatusCreated, nil)
	}
	for n, s := range subs {
		for i := 0; i < comments; i++ {
			m := s.nextEvent(t, "comment.created", 15*time.Second)
			var c struct{ Content string }
			if err := json.Unmarshal(m.Data, &c); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("comment %d", i); c.Content != want {
				t.Fatalf("subscriber %d: got %q, want %q (lost, duplicated or out of order)", n, c.Content, want)
			}
		}
	}
	// Exactly once: nothing more is queued behind the 50.
	for n, s := range subs {
		select {
		case m := <-s.msgs:
			if m.Type == "event" {
				t.Fatalf("subscriber %d: unexpected extra event %+v", n, m)
			}
		default:
		}
	}

	// A user's notifications reach every connection of theirs, whichever
	// instance holds it.
	mine := []*subscriber{dialLive(t, edge, author.Token, "user:"+author.ID), dialLive(t, edge, author.Token, "user:"+author.ID)}
	call(t, "http://"+two.Addr, "PUT", "/api/v1/users/"+author.ID+"/follow", reader.Token, nil, "", http.StatusOK, nil)
	for _, s := range mine {
		// The comments' notifications are written after their
		// responses and may still be arriving: skip them.
		for {
			m := s.nextEvent(t, "notification.created", 15*time.Second)
			var n struct {
				Kind        string `json:"kind"`
				UnreadCount int    `json:"unread_count"`
			}
			if err := json.Unmarshal(m.Data, &n); err != nil || (n.Kind != "follow" && n.Kind != "comment") {
				t.Fatalf("notification: %s (%v)", m.Data, err)
			}
			if n.Kind == "follow" {
				break
			}
		}
	}

	// Kill one instance: its clients lose their connection, reconnect
	// through Nginx (which now sends them to the survivor) and receive
	// what is posted next.
	one.Kill()
	postVia := func(inst *Instance, content string) {
		call(t, "http://"+inst.Addr, "POST", "/api/v1/pins/"+pinID+"/comments", reader.Token,
			jsonBody(map[string]string{"content": content}), "application/json", http.StatusCreated, nil)
	}
	postVia(two, "after the crash")
	var dropped int
	for i, s := range subs {
		// A survivor's subscriber sees the comment; one of the killed
		// instance sees its connection end instead.
		deadline := time.After(15 * time.Second)
	wait:
		for {
			select {
			case m, ok := <-s.msgs:
				if !ok {
					dropped++
					subs[i] = dialLive(t, edge, "", topic)
					break wait
				}
				if m.Type == "event" && strings.Contains(string(m.Data), "after the crash") {
					break wait
				}
			case <-deadline:
				t.Fatalf("subscriber %d neither received nor was disconnected", i)
			}
		}
	}
	if dropped == 0 {
		t.Fatalf("no subscriber was on the killed instance; round robin did not spread them")
	}
	postVia(two, "after reconnecting")
	for n, s := range subs {
		m := s.nextEvent(t, "comment.created", 15*time.Second)
		if !strings.Contains(string(m.Data), "after reconnecting") {
			t.Fatalf("subscriber %d after reconnect: %s", n, m.Data)
		}
	}
	t.Logf("%d of %d subscribers reconnected through nginx after the kill", dropped, len(subs))
}
