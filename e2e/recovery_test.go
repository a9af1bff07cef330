//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"mypinterest/internal/redistest"
	"mypinterest/store/mongostore"
)

// scaledPair starts what TestTwoInstancesBehindNginx starts: MongoDB,
// Redis, two instances and Nginx in front of them.
func scaledPair(t *testing.T, dbName string) (one, two *Instance, edge string) {
	return scaledPairEnv(t, dbName, nil)
}

func scaledPairEnv(t *testing.T, dbName string, extra map[string]string) (one, two *Instance, edge string) {
	t.Helper()
	db, err := mongostore.StartEmbedded(t.TempDir(), "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Stop(t.Context()) })
	redis := redistest.Start(t)
	env := map[string]string{
		"MONGODB_URI":     db.URI(),
		"MONGODB_DB":      dbName,
		"REDIS_URL":       "redis://" + redis.Addr + "/0",
		"JWT_SECRET":      strings.Repeat("e2e-secret-", 4),
		"AUTH_RATE_LIMIT": "0",
		"TRUSTED_PROXIES": "127.0.0.1",
		"LOG_LEVEL":       "warn",
	}
	maps.Copy(env, extra)
	one = StartInstance(t, env)
	two = StartInstance(t, env)
	edge = StartNginxWithOptions(t, NginxOptions{Upstreams: []string{one.Addr, two.Addr}, NoAuthRateLimit: true})
	return one, two, edge
}

// resumer is a live client that tracks its position and resumes with it.
type resumer struct {
	sub   *subscriber
	topic string
	pos   struct {
		Offset uint64 `json:"offset"`
		Epoch  string `json:"epoch"`
	}
}

// subscribe sends a subscribe (with since when resume) and returns the
// answer. Its position becomes the client's unless the missed events
// follow (recovered), which move the client's position themselves.
func (r *resumer) subscribe(t *testing.T, resume bool) liveMsg {
	t.Helper()
	msg := map[string]any{"type": "subscribe", "topic": r.topic}
	if resume {
		msg["since"] = r.pos
	}
	b, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.sub.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	m := r.sub.next(t, 10*time.Second)
	if m.Type != "subscribed" || m.Offset == nil || m.Epoch == "" || m.Recovered == nil {
		t.Fatalf("subscribe %s: %+v", r.topic, m)
	}
	if !resume || !*m.Recovered {
		r.pos.Offset, r.pos.Epoch = *m.Offset, m.Epoch
	}
	return m
}

// comment reads the next event, checks it continues the position and is
// the comment want.
func (r *resumer) comment(t *testing.T, want string) {
	t.Helper()
	m := r.sub.next(t, 20*time.Second)
	var c struct{ Content string }
	_ = json.Unmarshal(m.Data, &c)
	if m.Type != "event" || m.Event != "comment.created" || c.Content != want {
		t.Fatalf("got %+v (%q), want comment %q", m, c.Content, want)
	}
	if m.Offset == nil || *m.Offset != r.pos.Offset+1 || m.Epoch != r.pos.Epoch {
		t.Fatalf("comment %q at %v/%s, want offset %d of %s", want, m.Offset, m.Epoch, r.pos.Offset+1, r.pos.Epoch)
	}
	r.pos.Offset++
}

// TestRecoveryAcrossInstances: clients subscribed through Nginx, one
// instance is killed, 50 comments are posted on the other while its
// clients reconnect; they resume with since (through Nginx, now to the
// survivor) and end with all 50 exactly once, in order, recovered without
// any HTTP re-fetch.
func TestRecoveryAcrossInstances(t *testing.T) {
	one, two, edge := scaledPair(t, "e2e_recovery")
	reader := signUp(t, "http://"+edge, "reader")
	pinID := createPin(t, "http://"+edge, signUp(t, "http://"+edge, "author"))
	post := func(content string) {
		call(t, "http://"+two.Addr, "POST", "/api/v1/pins/"+pinID+"/comments", reader.Token,
			jsonBody(map[string]string{"content": content}), "application/json", http.StatusCreated, nil)
	}
	var clients []*resumer
	for range 4 {
		r := &resumer{sub: dialLive(t, edge, ""), topic: "pin:" + pinID}
		r.subscribe(t, false)
		clients = append(clients, r)
	}
	for i := range 3 {
		post(fmt.Sprintf("before %d", i))
	}
	for _, r := range clients {
		for i := range 3 {
			r.comment(t, fmt.Sprintf("before %d", i))
		}
	}

	one.Kill()
	const missed = 50
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // during the reconnects
		defer wg.Done()
		for i := range missed {
			post(fmt.Sprintf("missed %d", i))
		}
	}()
	dropped := 0
	for _, r := range clients {
		read := 0
	wait:
		for {
			// A client of the survivor reads the comments live; one of
			// the killed instance sees its connection end first.
			select {
			case m, ok := <-r.sub.msgs:
				if !ok {
					break wait
				}
				var c struct{ Content string }
				_ = json.Unmarshal(m.Data, &c)
				if want := fmt.Sprintf("missed %d", read); c.Content != want || *m.Offset != r.pos.Offset+1 {
					t.Fatalf("live: got %q at %d, want %q at %d", c.Content, *m.Offset, want, r.pos.Offset+1)
				}
				r.pos.Offset++
				if read++; read == missed {
					break wait
				}
			case <-time.After(20 * time.Second):
				t.Fatal("a client neither received the comments nor was disconnected")
			}
		}
		if read == missed {
			continue
		}
		dropped++
		r.sub = dialLive(t, edge, "")
		if ans := r.subscribe(t, true); !*ans.Recovered {
			t.Fatalf("resumed from %+v: %+v, want recovered", r.pos, ans)
		}
		for i := read; i < missed; i++ {
			r.comment(t, fmt.Sprintf("missed %d", i))
		}
	}
	wg.Wait()
	if dropped == 0 {
		t.Fatal("no client was on the killed instance")
	}
	// Exactly once: the next event after the 50 is the next comment.
	post("after")
	for _, r := range clients {
		r.comment(t, "after")
	}
	t.Logf("%d of %d clients resumed on the other instance with every missed comment", dropped, len(clients))
}
