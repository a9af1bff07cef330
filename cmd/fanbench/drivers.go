package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"mypinterest/internal/loadkit"
)

// A driver is one server under test: where subscribers connect, how they
// subscribe and how an event is published. Each run gets a fresh session
// (a fresh topic), so nothing of an earlier run is counted.
type driver interface {
	name() string
	urls() []string // WebSocket URLs; subscribers are spread round-robin
	pids() []int    // server processes for RSS and CPU (may be empty)
	prepare(ctx context.Context, run int) (*session, error)
}

// session is one run's topic on one target.
type session struct {
	topic     string
	handshake func(ctx context.Context, ws *websocket.Conn) error
	// publish sends event seq of publisher pub, due at sched.
	publish func(ctx context.Context, pub, seq int, sched time.Time) error
	// ready, if set, waits after every subscriber is subscribed until
	// an event published now reaches all of them.
	ready func(ctx context.Context) error
	pong  bool // answer "{}" pings
}

// liveEvent is an event frame in the product's format, as the in-process
// hubs, the Redis publisher and the minimal anchor carry it.
func liveEvent(topic string, pub, seq int, sched time.Time) []byte {
	return fmt.Appendf(nil, `{"type":"event","topic":%q,"event":"bench","data":{"m":%q},"ts":%d}`,
		topic, benchMark(pub, seq, sched), time.Now().UnixMilli())
}

// redisDriver is the original external mode: subscribers on running
// instances, events PUBLISHed straight to the topic's Redis channel, which
// is what hub.Publish does on any instance (no HTTP handler involved).
type redisDriver struct {
	wsURLs []string
	procs  []int
	rdb    *redis.Client
	topic  string
}

func (d *redisDriver) name() string   { return "redis" }
func (d *redisDriver) urls() []string { return d.wsURLs }
func (d *redisDriver) pids() []int    { return d.procs }

func (d *redisDriver) prepare(context.Context, int) (*session, error) {
	return &session{
		topic:     d.topic,
		handshake: liveHandshake(d.topic),
		publish: func(ctx context.Context, pub, seq int, sched time.Time) error {
			return d.rdb.Publish(ctx, d.topic, liveEvent(d.topic, pub, seq, sched)).Err()
		},
		ready: func(ctx context.Context) error {
			return waitRedisSubscribers(ctx, d.rdb, d.topic, int64(len(d.wsURLs)))
		},
	}, nil
}

// httpPoster posts to a set of base URLs in turn, as a load balancer would.
type httpPoster struct {
	bases []string
	hc    *http.Client
	next  atomic.Uint64
}

func newHTTPPoster(bases []string) *httpPoster {
	return &httpPoster{bases: bases, hc: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: time.Minute},
	}}
}

// post sends body to path on the next base URL and fails unless the answer
// is want.
func (p *httpPoster) post(ctx context.Context, path string, hdr http.Header, body []byte, want int) error {
	base := p.bases[p.next.Add(1)%uint64(len(p.bases))]
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = hdr
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s%s: %d %s", base, path, resp.StatusCode, bytes.TrimSpace(answer))
	}
	// Centrifugo answers API errors with 200 and an "error" member.
	if bytes.HasPrefix(answer, []byte(`{"error":`)) {
		return fmt.Errorf("POST %s%s: %s", base, path, answer)
	}
	return nil
}

// wsURL turns http://host:port into ws://host:port+path.
func wsURL(base, path string) string {
	return "ws" + strings.TrimPrefix(strings.TrimRight(base, "/"), "http") + path
}

func trimBases(bases []string) []string {
	out := make([]string, len(bases))
	for i, b := range bases {
		out[i] = strings.TrimRight(b, "/")
	}
	return out
}

// productDriver publishes through the product's real API: every event is a
// comment POSTed to /api/v1/pins/{id}/comments (the handler writes it and
// publishes comment.created on pin:<id>). Each run comments on a new pin by
// the same user, so no notification is sent and the topic is fresh.
type productDriver struct {
	bases []string
	procs []int
	api   *loadkit.Client
	post  *httpPoster
	token string
	group string
	image []byte
}

func newProductDriver(bases []string, pids []int) *productDriver {
	bases = trimBases(bases)
	return &productDriver{bases: bases, procs: pids, api: loadkit.NewClient(bases[0], 2), post: newHTTPPoster(bases)}
}

func (d *productDriver) name() string { return "product" }
func (d *productDriver) pids() []int  { return d.procs }
func (d *productDriver) urls() []string {
	out := make([]string, len(d.bases))
	for i, b := range d.bases {
		out[i] = wsURL(b, "/ws")
	}
	return out
}

// setUp signs a fresh user up and makes one group, once per fanbench run.
func (d *productDriver) setUp(ctx context.Context) error {
	id := time.Now().UnixNano() % 1e8 // nicknames have at most 10 characters
	var auth struct{ Token string }
	body := map[string]string{"email": fmt.Sprintf("fb-%d@example.com", id), "nickname": fmt.Sprintf("fb%d", id), "password": "fanbench password 1"}
	if err := d.api.JSON(ctx, http.MethodPost, "/api/v1/auth/signup", "", body, &auth); err != nil {
		return fmt.Errorf("product sign-up (set AUTH_RATE_LIMIT=0 for repeated runs): %w", err)
	}
	img, err := loadkit.PinImage(1)
	if err != nil {
		return err
	}
	var g struct{ ID string }
	fields := [][2]string{{"title", "fanbench"}, {"content", "Pins whose comments fanbench posts."}}
	if err := d.api.Multipart(ctx, "/api/v1/groups", auth.Token, fields, "group.jpg", img, &g); err != nil {
		return err
	}
	d.token, d.group, d.image = auth.Token, g.ID, img
	return nil
}

func (d *productDriver) prepare(ctx context.Context, run int) (*session, error) {
	if d.token == "" {
		if err := d.setUp(ctx); err != nil {
			return nil, err
		}
	}
	var pin struct{ ID string }
	fields := [][2]string{{"title", fmt.Sprintf("fanbench run %d", run)}, {"content", "Its comments are benchmark events."}, {"group_id", d.group}}
	if err := d.api.Multipart(ctx, "/api/v1/pins", d.token, fields, "pin.jpg", d.image, &pin); err != nil {
		return nil, err
	}
	topic := "pin:" + pin.ID
	path := "/api/v1/pins/" + pin.ID + "/comments"
	hdr := http.Header{"Authorization": {"Bearer " + d.token}, "Content-Type": {"application/json"}}
	return &session{
		topic:     topic,
		handshake: liveHandshake(topic),
		publish: func(ctx context.Context, pub, seq int, sched time.Time) error {
			body, _ := json.Marshal(map[string]string{"content": benchMark(pub, seq, sched)})
			return d.post.post(ctx, path, hdr.Clone(), body, http.StatusCreated)
		},
	}, nil
}

// anchorDriver drives the minimal coder/websocket + go-redis server of
// `fanbench anchor` (anchor.go): the product's subscribe protocol, events
// POSTed to /publish and PUBLISHed to Redis as they are.
type anchorDriver struct {
	bases []string
	procs []int
	post  *httpPoster
}

func newAnchorDriver(bases []string, pids []int) *anchorDriver {
	bases = trimBases(bases)
	return &anchorDriver{bases: bases, procs: pids, post: newHTTPPoster(bases)}
}

func (d *anchorDriver) name() string { return "anchor" }
func (d *anchorDriver) pids() []int  { return d.procs }
func (d *anchorDriver) urls() []string {
	out := make([]string, len(d.bases))
	for i, b := range d.bases {
		out[i] = wsURL(b, "/ws")
	}
	return out
}

func (d *anchorDriver) prepare(_ context.Context, run int) (*session, error) {
	topic := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), run)
	path := "/publish?topic=" + topic
	return &session{
		topic:     topic,
		handshake: liveHandshake(topic),
		publish: func(ctx context.Context, pub, seq int, sched time.Time) error {
			return d.post.post(ctx, path, http.Header{}, liveEvent(topic, pub, seq, sched), http.StatusNoContent)
		},
	}, nil
}

// centrifugoDriver drives Centrifugo v6: its JSON client protocol on
// /connection/websocket (connect, then subscribe; anonymous connections are
// allowed by the server's configuration) and its server HTTP API
// (POST /api/publish with X-API-Key).
type centrifugoDriver struct {
	bases []string
	procs []int
	key   string
	post  *httpPoster
}

func newCentrifugoDriver(bases []string, pids []int, key string) *centrifugoDriver {
	bases = trimBases(bases)
	return &centrifugoDriver{bases: bases, procs: pids, key: key, post: newHTTPPoster(bases)}
}

func (d *centrifugoDriver) name() string { return "centrifugo" }
func (d *centrifugoDriver) pids() []int  { return d.procs }
func (d *centrifugoDriver) urls() []string {
	out := make([]string, len(d.bases))
	for i, b := range d.bases {
		out[i] = wsURL(b, "/connection/websocket")
	}
	return out
}

func (d *centrifugoDriver) prepare(_ context.Context, run int) (*session, error) {
	channel := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), run)
	hdr := http.Header{"X-API-Key": {d.key}, "Content-Type": {"application/json"}}
	return &session{
		topic:     channel,
		handshake: centrifugoHandshake(channel),
		publish: func(ctx context.Context, pub, seq int, sched time.Time) error {
			body := fmt.Appendf(nil, `{"channel":%q,"data":{"m":%q}}`, channel, benchMark(pub, seq, sched))
			return d.post.post(ctx, "/api/publish", hdr.Clone(), body, http.StatusOK)
		},
		pong: true,
	}, nil
}

// centrifugoHandshake sends connect and subscribe (command ids 1 and 2) and
// waits for both replies.
func centrifugoHandshake(channel string) func(context.Context, *websocket.Conn) error {
	return func(ctx context.Context, ws *websocket.Conn) error {
		cmds := fmt.Appendf(nil, "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":%q}}", channel)
		if err := ws.Write(ctx, websocket.MessageText, cmds); err != nil {
			return err
		}
		for replied := 0; replied < 2; {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return err
			}
			for line := range bytes.SplitSeq(data, []byte{'\n'}) {
				done, err := centrifugoReply(line)
				if err != nil {
					return err
				}
				if done {
					replied++
				}
			}
		}
		return nil
	}
}

// centrifugoReply reports whether line answers command 1 or 2, and the
// error it carries.
func centrifugoReply(line []byte) (bool, error) {
	var m struct {
		ID    int `json:"id"`
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &m) != nil || (m.ID != 1 && m.ID != 2) {
		return false, nil
	}
	if m.Error != nil {
		return false, fmt.Errorf("centrifugo command %d: %d %s", m.ID, m.Error.Code, m.Error.Message)
	}
	return true, nil
}

// errNoTargets is returned by compare without any target flag.
var errNoTargets = errors.New("give at least one of -product, -centrifugo, -anchor")
