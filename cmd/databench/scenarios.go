package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"mypinterest/internal/loadkit"
)

// target is what a scenario must reach at a million pins (issue 8): at
// least rps successful requests per second with a p99 of at most p99 (0:
// no latency target).
type target struct {
	rps float64
	p99 time.Duration
}

var (
	readTarget   = target{3000, 25 * time.Millisecond}
	slowTarget   = target{1500, 25 * time.Millisecond} // feed and search
	writeTarget  = target{1000, 50 * time.Millisecond}
	uploadTarget = target{40, 0}
)

// scenario builds one measured stream of requests from the bench.
type scenario struct {
	name string
	what string // the request, for the table
	target
	// signedIn scenarios need the users' sessions.
	signedIn bool
	build    func(ctx context.Context, b *bench) (requests, error)
}

// requests is a scenario's stream: next(i) is the i-th request, and
// distinct how many different requests it cycles through.
type requests struct {
	next     func(i uint64) loadkit.Request
	distinct int
}

// cycle repeats a fixed list of requests.
func cycle(list []loadkit.Request) requests {
	return requests{distinct: len(list), next: func(i uint64) loadkit.Request { return list[i%uint64(len(list))] }}
}

// strides bounds the sequential part of a deep-cursor walk (see
// deepCursors): 500 pages of 100 pins reach 50,000 pins deep.
const strides = 500

// scenarios are all of them, in run order: reads first, then the writes,
// which change the data the reads would see.
var scenarios = []scenario{
	{name: "grid", what: "GET /api/v1/pins", target: readTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		return cycle([]loadkit.Request{{Path: "/api/v1/pins"}}), nil
	}},
	{name: "grid-deep", what: "GET /api/v1/pins?cursor= (deep)", target: readTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		cursors, err := b.deepCursors(ctx, "/api/v1/pins", b.cursors, strides)
		return cycle(pathsWith("/api/v1/pins", cursors)), err
	}},
	{name: "pin", what: "GET /api/v1/pins/{id}", target: readTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		var list []loadkit.Request
		for _, p := range b.st.Pins {
			list = append(list, loadkit.Request{Path: "/api/v1/pins/" + p.ID})
		}
		return cycle(list), nil
	}},
	{name: "comments", what: "GET /api/v1/pins/{id}/comments", target: readTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		var list []loadkit.Request
		for _, id := range b.st.Commented {
			list = append(list, loadkit.Request{Path: "/api/v1/pins/" + id + "/comments"})
		}
		return cycle(list), nil
	}},
	{name: "profile", what: "GET /api/v1/users/{id}", target: readTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		var list []loadkit.Request
		for _, u := range b.st.Users {
			list = append(list, loadkit.Request{Path: "/api/v1/users/" + u.ID})
		}
		return cycle(list), nil
	}},
	{name: "user-pins-2", what: "GET /api/v1/users/{id}/pins?cursor= (page 2)", target: readTarget, build: buildUserPins},
	{name: "group-pins-2", what: "GET /api/v1/groups/{id}/pins?cursor= (page 2)", target: readTarget, signedIn: true, build: buildGroupPins},
	{name: "search-common", what: "GET /api/v1/pins?q= (common words, pages 1–5)", target: slowTarget, build: buildSearchCommon},
	{name: "search-rare", what: "GET /api/v1/pins?q= (rare words)", target: slowTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		var list []loadkit.Request
		for _, w := range b.st.Rare {
			list = append(list, loadkit.Request{Path: withQuery("/api/v1/pins", "q", w.Word)})
		}
		if len(list) == 0 {
			return requests{}, fmt.Errorf("the data set has no rare words")
		}
		return cycle(list), nil
	}},
	{name: "feed", what: "GET /api/v1/feed (pages 1–2)", target: slowTarget, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.ownLists(ctx, "/api/v1/feed", b.st.Following)
	}},
	{name: "bookmarks", what: "GET /api/v1/me/bookmarks (pages 1–2)", target: readTarget, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.ownLists(ctx, "/api/v1/me/bookmarks", b.st.Bookmarkers)
	}},
	{name: "notifications", what: "GET /api/v1/notifications (pages 1–2)", target: readTarget, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.ownLists(ctx, "/api/v1/notifications", b.st.Notified)
	}},
	{name: "page-grid", what: "GET / (HTML, signed in)", target: target{2000, 25 * time.Millisecond}, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.pages(func(int) string { return "/" }, 1), nil
	}},
	{name: "page-pin", what: "GET /pins/{id} (HTML, signed in)", target: target{2000, 25 * time.Millisecond}, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.pages(func(k int) string { return "/pins/" + b.st.Pins[k].ID }, len(b.st.Pins)), nil
	}},
	{name: "page-profile", what: "GET /users/{id} (HTML, signed in)", target: target{4000, 25 * time.Millisecond}, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.pages(func(k int) string { return "/users/" + b.st.Users[k].ID }, len(b.st.Users)), nil
	}},
	{name: "page-groups", what: "GET /groups (HTML, signed in)", target: target{5000, 25 * time.Millisecond}, signedIn: true, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.pages(func(int) string { return "/groups" }, 1), nil
	}},
	{name: "comment-post", what: "POST /api/v1/pins/{id}/comments", target: writeTarget, signedIn: true, build: buildCommentPost},
	{name: "like-toggle", what: "PUT/DELETE /api/v1/pins/{id}/like", target: writeTarget, signedIn: true, build: buildLikeToggle},
	{name: "pin-create", what: "POST /api/v1/pins (640×800 JPEG)", target: uploadTarget, signedIn: true, build: buildPinCreate},
}

// pathsWith is path with each cursor.
func pathsWith(path string, cursors []string) []loadkit.Request {
	list := make([]loadkit.Request, len(cursors))
	for k, c := range cursors {
		list[k] = loadkit.Request{Path: withQuery(path, "cursor", c)}
	}
	return list
}

// buildUserPins reads page 2 of every user with more than a page of pins.
func buildUserPins(ctx context.Context, b *bench) (requests, error) {
	var users []int
	for u, ref := range b.st.Users {
		if ref.Pins > pageSize {
			users = append(users, u)
		}
	}
	list := make([]loadkit.Request, len(users))
	err := b.parallel(ctx, len(users), func(ctx context.Context, k int) error {
		path := "/api/v1/users/" + b.st.Users[users[k]].ID + "/pins"
		cs, err := b.nextPages(ctx, path, "", "", 1, pageSize)
		if err == nil && len(cs) == 0 {
			err = fmt.Errorf("%s has no page 2", path)
		}
		if err == nil {
			list[k] = loadkit.Request{Path: withQuery(path, "cursor", cs[0])}
		}
		return err
	})
	return cycle(list), err
}

// buildGroupPins reads page 2 of every group with more than a page of
// pins, as its owner (groups are private).
func buildGroupPins(ctx context.Context, b *bench) (requests, error) {
	var groups []GroupRef
	for _, g := range b.st.BigGroups {
		if b.tokens[g.Owner] != "" {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return requests{}, fmt.Errorf("no group of a signed-in user has more than %d pins", pageSize)
	}
	list := make([]loadkit.Request, len(groups))
	err := b.parallel(ctx, len(groups), func(ctx context.Context, k int) error {
		g := groups[k]
		path := "/api/v1/groups/" + g.ID + "/pins"
		cs, err := b.nextPages(ctx, path, b.tokens[g.Owner], "", 1, pageSize)
		if err == nil && len(cs) == 0 {
			err = fmt.Errorf("%s has no page 2", path)
		}
		if err == nil {
			list[k] = loadkit.Request{Path: withQuery(path, "cursor", cs[0]), Token: b.tokens[g.Owner]}
		}
		return err
	})
	return cycle(list), err
}

// buildSearchCommon searches each common word, pages 1 to 5.
func buildSearchCommon(ctx context.Context, b *bench) (requests, error) {
	lists := make([][]loadkit.Request, len(b.st.Common))
	err := b.parallel(ctx, len(b.st.Common), func(ctx context.Context, k int) error {
		path := withQuery("/api/v1/pins", "q", b.st.Common[k].Word)
		cs, err := b.nextPages(ctx, path, "", "", 4, pageSize)
		lists[k] = append([]loadkit.Request{{Path: path}}, pathsWith(path, cs)...)
		return err
	})
	var list []loadkit.Request
	for _, l := range lists {
		list = append(list, l...)
	}
	return cycle(list), err
}

// ownLists reads page 1 and 2 of a signed-in user's own list (feed,
// bookmarks, notifications) for each of users who is signed in.
func (b *bench) ownLists(ctx context.Context, path string, heavy []int) (requests, error) {
	var users []int
	for _, u := range heavy {
		if b.tokens[u] != "" {
			users = append(users, u)
		}
	}
	lists := make([][]loadkit.Request, len(users))
	err := b.parallel(ctx, len(users), func(ctx context.Context, k int) error {
		tok := b.tokens[users[k]]
		cs, err := b.nextPages(ctx, path, tok, "", 1, pageSize)
		lists[k] = []loadkit.Request{{Path: path, Token: tok}}
		if len(cs) > 0 {
			lists[k] = append(lists[k], loadkit.Request{Path: withQuery(path, "cursor", cs[0]), Token: tok})
		}
		return err
	})
	var list []loadkit.Request
	for _, l := range lists {
		list = append(list, l...)
	}
	if len(list) == 0 {
		return requests{}, fmt.Errorf("no user has anything in %s", path)
	}
	return cycle(list), err
}

// pages views n pages (path(k) for k < n) as the signed-in users in turn.
func (b *bench) pages(path func(k int) string, n int) requests {
	viewers := b.signedInUsers()
	return requests{distinct: max(n, len(viewers)), next: func(i uint64) loadkit.Request {
		v := viewers[i%uint64(len(viewers))]
		return loadkit.Request{Path: path(int(i % uint64(n))), Cookie: b.cookies[v], HTML: true}
	}}
}

// signedInUsers are the users with a session, by index.
func (b *bench) signedInUsers() []int {
	var out []int
	for u, t := range b.tokens {
		if t != "" {
			out = append(out, u)
		}
	}
	return out
}

// liker picks, for the j-th like, a signed-in user who is not the author.
func liker(users []int, j uint64, author int) int {
	u := users[j%uint64(len(users))]
	if u == author {
		u = users[(j+1)%uint64(len(users))]
	}
	return u
}

func buildCommentPost(ctx context.Context, b *bench) (requests, error) {
	users := b.signedInUsers()
	pins := b.st.Pins
	return requests{distinct: len(pins), next: func(i uint64) loadkit.Request {
		p := pins[i%uint64(len(pins))]
		u := users[(i/uint64(len(pins))+i)%uint64(len(users))]
		return loadkit.Request{
			Method: http.MethodPost, Path: "/api/v1/pins/" + p.ID + "/comments", Token: b.tokens[u],
			ContentType: "application/json", Body: []byte(`{"content":"databench comment ` + strconv.FormatUint(i, 10) + `"}`),
		}
	}}, nil
}

// buildLikeToggle likes a pin and unlikes it again: even requests PUT,
// odd ones DELETE the same like.
func buildLikeToggle(ctx context.Context, b *bench) (requests, error) {
	users := b.signedInUsers()
	pins := b.st.Pins
	return requests{distinct: len(pins), next: func(i uint64) loadkit.Request {
		j := i / 2
		p := pins[j%uint64(len(pins))]
		u := liker(users, j/uint64(len(pins))+j, p.Author)
		method := http.MethodPut
		if i%2 == 1 {
			method = http.MethodDelete
		}
		return loadkit.Request{Method: method, Path: "/api/v1/pins/" + p.ID + "/like", Token: b.tokens[u]}
	}}, nil
}

// buildPinCreate uploads a new pin as each signed-in user in turn, into
// their first group, with a 640×800 JPEG whose bytes differ every time.
func buildPinCreate(ctx context.Context, b *bench) (requests, error) {
	pool, err := loadkit.ImagePool(4)
	if err != nil {
		return requests{}, err
	}
	users := b.signedInUsers()
	nonce := uint64(time.Now().UnixNano()) // new bytes on every run, too
	return requests{distinct: len(users), next: func(i uint64) loadkit.Request {
		u := users[i%uint64(len(users))]
		fields := [][2]string{
			{"title", "Databench pin " + strconv.FormatUint(i, 10)},
			{"content", "Uploaded by the data-scale benchmark."},
			{"group_id", b.st.Users[u].Groups[0]},
		}
		img := loadkit.Distinct(pool[i%uint64(len(pool))], nonce+i)
		ct, body, err := loadkit.MultipartBody(fields, "pin.jpg", img)
		if err != nil {
			panic(err) // writing to a bytes.Buffer does not fail
		}
		return loadkit.Request{Method: http.MethodPost, Path: "/api/v1/pins", Token: b.tokens[u], ContentType: ct, Body: body}
	}}, nil
}
