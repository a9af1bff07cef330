//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"mypinterest/internal/redistest"
)

// presenceViewer is a raw WebSocket client of one instance subscribed to
// one pin topic, reading presence events.
type presenceViewer struct {
	t    testing.TB
	conn *websocket.Conn
}

func dialViewer(t testing.TB, addr, topic string) *presenceViewer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if err := conn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"subscribe","topic":%q}`, topic)); err != nil {
		t.Fatal(err)
	}
	return &presenceViewer{t: t, conn: conn}
}

// waitViewers reads until a presence event says want, within d.
func (v *presenceViewer) waitViewers(want int, d time.Duration) time.Duration {
	v.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	last := -1
	for {
		_, data, err := v.conn.Read(ctx)
		if err != nil {
			v.t.Fatalf("no presence event with %d viewers within %v (last %d): %v", want, d, last, err)
		}
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			var m struct {
				Event string `json:"event"`
				Data  struct {
					Viewers int `json:"viewers"`
				} `json:"data"`
			}
			if json.Unmarshal(line, &m) == nil && m.Event == "presence" {
				if last = m.Data.Viewers; last == want {
					return time.Since(start)
				}
			}
		}
	}
}

// TestPresenceAcrossInstances runs two server processes on one Redis
// (each on its own SQLite file: presence needs no shared database, and a
// pin topic no existing pin): viewers on both are counted exactly, a
// clean close within 2 s, and a killed instance's viewers within 30 s
// with the default settings.
func TestPresenceAcrossInstances(t *testing.T) {
	redis := redistest.Start(t)
	env := map[string]string{
		"REDIS_URL":  "redis://" + redis.Addr + "/0",
		"JWT_SECRET": strings.Repeat("e2e-secret-", 4),
		"LOG_LEVEL":  "warn",
	}
	one := StartInstance(t, env)
	two := StartInstance(t, env)
	const topic = "pin:0123456789abcdef01234567"

	watcher := dialViewer(t, one.Addr, topic)
	dialViewer(t, one.Addr, topic)
	onTwo := []*presenceViewer{dialViewer(t, two.Addr, topic), dialViewer(t, two.Addr, topic), dialViewer(t, two.Addr, topic)}
	watcher.waitViewers(5, 10*time.Second)

	if err := onTwo[0].conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	d := watcher.waitViewers(4, 2*time.Second)
	t.Logf("a clean close on the other instance was counted after %v", d)

	two.Kill()
	d = watcher.waitViewers(2, 30*time.Second)
	t.Logf("the killed instance's viewers were dropped after %v", d)
}
