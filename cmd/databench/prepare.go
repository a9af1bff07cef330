package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"mypinterest/internal/loadkit"
)

// bench is a seeded data set as seen over HTTP: the state file plus the
// sessions and cursors gathered before measuring.
type bench struct {
	st   *State
	api  *loadkit.Client
	base string
	// tokens[u] is user u's session token, cookies[u] the Cookie header of
	// a signed-in browser; "" for users not signed in.
	tokens  []string
	cookies []string
	workers int
	// cursors is how many distinct deep cursors the grid scenario cycles
	// through.
	cursors int
}

func newBench(base string, st *State, workers int) *bench {
	base = strings.TrimRight(base, "/")
	return &bench{
		st: st, api: loadkit.NewClient(base, workers), base: base, workers: workers, cursors: samplePins,
		tokens:  make([]string, len(st.Users)),
		cookies: make([]string, len(st.Users)),
	}
}

// parallel runs job(0..n-1) on the bench's workers and returns the first
// error.
func (b *bench) parallel(ctx context.Context, n int, job func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(b.workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := job(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// checkServer confirms the server serves this data set.
func (b *bench) checkServer(ctx context.Context) error {
	pin := b.st.Pins[0].ID
	if err := b.api.JSON(ctx, http.MethodGet, "/api/v1/pins/"+pin, "", nil, nil); err != nil {
		return fmt.Errorf("the server at %s does not serve the seeded data set (pin %s): %w", b.base, pin, err)
	}
	return nil
}

// signIn logs the users in (the API's JSON log-in). A signed-in browser
// sends the same token as the session cookie; CSRF tokens are derived from
// the session, so page views need no other cookie.
func (b *bench) signIn(ctx context.Context, users []int) error {
	return b.parallel(ctx, len(users), func(ctx context.Context, k int) error {
		u := users[k]
		if b.tokens[u] != "" {
			return nil
		}
		var auth struct{ Token string }
		login := map[string]string{"email": b.st.Users[u].Email, "password": b.st.Password}
		if err := b.api.JSON(ctx, http.MethodPost, "/api/v1/auth/login", "", login, &auth); err != nil {
			return fmt.Errorf("log-in of %s: %w", b.st.Users[u].Email, err)
		}
		if auth.Token == "" {
			return fmt.Errorf("log-in of %s: no token", b.st.Users[u].Email)
		}
		b.tokens[u] = auth.Token
		b.cookies[u] = "session=" + auth.Token
		return nil
	})
}

// listPage is the part of any list answer the walks need.
type listPage struct {
	Items      []struct{} `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// withQuery appends a query parameter to a path.
func withQuery(path, key, value string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + key + "=" + url.QueryEscape(value)
}

// nextPages follows a list from cursor (or its start) for up to pages
// pages of limit items and returns the cursors it was handed, in order.
func (b *bench) nextPages(ctx context.Context, path, token, cursor string, pages, limit int) ([]string, error) {
	var out []string
	for range pages {
		p := path
		if limit != pageSize {
			p = withQuery(p, "limit", fmt.Sprint(limit))
		}
		if cursor != "" {
			p = withQuery(p, "cursor", cursor)
		}
		var page listPage
		if err := b.api.JSON(ctx, http.MethodGet, p, token, nil, &page); err != nil {
			return out, err
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
		out = append(out, cursor)
	}
	return out, nil
}

// deepCursors returns about want distinct cursors of the list at path,
// spread deep into it. Following a list is sequential, so it first strides
// through it a hundred items per page (strides pages at most), then
// branches out from each stride in parallel with smaller pages.
func (b *bench) deepCursors(ctx context.Context, path string, want, strides int) ([]string, error) {
	seeds, err := b.nextPages(ctx, path, "", "", strides, 100)
	if err != nil || len(seeds) == 0 {
		return seeds, err
	}
	// Past the strides the list may hold less than want items.
	want = min(want, 100*len(seeds))
	perSeed := (want + len(seeds) - 1) / len(seeds)
	limit := max(1, 100/perSeed)
	branches := make([][]string, len(seeds))
	err = b.parallel(ctx, len(seeds), func(ctx context.Context, k int) error {
		cs, err := b.nextPages(ctx, path, "", seeds[k], perSeed-1, limit)
		branches[k] = append([]string{seeds[k]}, cs...)
		return err
	})
	seen := map[string]bool{}
	var out []string
	for _, br := range branches {
		for _, c := range br {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, err
}
