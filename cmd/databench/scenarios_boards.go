package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"mypinterest/internal/loadkit"
	"mypinterest/store"
)

// boardsTarget is issue 12's target for every list the boards added.
var boardsTarget = target{2000, 25 * time.Millisecond}

// boardsScenarios measure the lists of issue 12. They are reads, so they
// run before the first write scenario (see init).
var boardsScenarios = []scenario{
	{name: "related", what: "GET /api/v1/pins/{id}/related (pages 1–2)", target: boardsTarget, build: buildRelated},
	{name: "search-users", what: "GET /api/v1/search/users?q= (nickname prefixes, deep pages of 1–3 chars)", target: boardsTarget, build: buildSearchUsers},
	{name: "search-groups", what: "GET /api/v1/search/groups?q= (title words, pages 1–2)", target: boardsTarget, build: buildSearchGroups},
	{name: "user-groups", what: "GET /api/v1/users/{id}/groups (anonymous and as the owner)", target: boardsTarget, signedIn: true, build: buildUserGroups},
	{name: "followers-2", what: "GET /api/v1/users/{id}/followers?cursor= (page 2)", target: boardsTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.secondPages(ctx, "followers")
	}},
	{name: "following-2", what: "GET /api/v1/users/{id}/following?cursor= (page 2)", target: boardsTarget, build: func(ctx context.Context, b *bench) (requests, error) {
		return b.secondPages(ctx, "following")
	}},
	{name: "group-pins-saves", what: "GET /api/v1/groups/{id}/pins (groups with saves, pages 1–2)", target: boardsTarget, signedIn: true, build: buildGroupPinsSaves},
}

// init puts the boards scenarios before the first write, keeping the
// rule that reads run on data no scenario has changed.
func init() {
	at := slices.IndexFunc(scenarios, func(s scenario) bool { return s.target == writeTarget })
	if at < 0 {
		at = len(scenarios)
	}
	scenarios = slices.Insert(scenarios, at, boardsScenarios...)
}

// pagesOf reads page 1 of each path (as token) and, when there is one,
// page 2: the requests of a "pages 1–2" scenario, in path order.
func (b *bench) pagesOf(ctx context.Context, paths, tokens []string) ([]loadkit.Request, error) {
	lists := make([][]loadkit.Request, len(paths))
	err := b.parallel(ctx, len(paths), func(ctx context.Context, k int) error {
		cs, err := b.nextPages(ctx, paths[k], tokens[k], "", 1, pageSize)
		lists[k] = []loadkit.Request{{Path: paths[k], Token: tokens[k]}}
		if len(cs) > 0 {
			lists[k] = append(lists[k], loadkit.Request{Path: withQuery(paths[k], "cursor", cs[0]), Token: tokens[k]})
		}
		return err
	})
	return slices.Concat(lists...), err
}

// buildRelated reads pages 1 and 2 of the related pins of every sample pin.
func buildRelated(ctx context.Context, b *bench) (requests, error) {
	paths := make([]string, len(b.st.Pins))
	for k, p := range b.st.Pins {
		paths[k] = "/api/v1/pins/" + p.ID + "/related"
	}
	list, err := b.pagesOf(ctx, paths, make([]string, len(paths)))
	return cycle(list), err
}

// buildSearchUsers searches every prefix of every nickname (page 1), and
// walks every page of the prefixes of 1–3 characters, which match the
// most people. Seeded nicknames are user<i>, so the data allows about
// 1.1 distinct prefixes per user.
func buildSearchUsers(ctx context.Context, b *bench) (requests, error) {
	seen := map[string]bool{}
	var list []loadkit.Request
	var short []string
	for u := range b.st.Users {
		nick := []rune(nickname(u))
		for n := 1; n <= len(nick); n++ {
			q := string(nick[:n])
			if seen[q] {
				continue
			}
			seen[q] = true
			list = append(list, loadkit.Request{Path: withQuery("/api/v1/search/users", "q", q)})
			if n <= 3 {
				short = append(short, q)
			}
		}
	}
	for _, q := range short {
		path := withQuery("/api/v1/search/users", "q", q)
		cs, err := b.nextPages(ctx, path, "", "", len(b.st.Users)/pageSize+1, pageSize)
		if err != nil {
			return requests{}, err
		}
		list = append(list, pathsWith(path, cs)...)
	}
	return cycle(list), nil
}

// groupItems is the part of a list of groups the builders need.
type groupItems struct {
	Items []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"items"`
}

// buildSearchGroups searches every word of every public group's title
// (read from the users' public groups), pages 1 and 2.
func buildSearchGroups(ctx context.Context, b *bench) (requests, error) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var words []string
	err := b.parallel(ctx, len(b.st.Users), func(ctx context.Context, u int) error {
		var page groupItems
		if err := b.api.JSON(ctx, http.MethodGet, "/api/v1/users/"+b.st.Users[u].ID+"/groups?limit=100", "", nil, &page); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, g := range page.Items {
			for _, w := range store.Words(g.Title) {
				if !seen[w] {
					seen[w] = true
					words = append(words, w)
				}
			}
		}
		return nil
	})
	if err != nil {
		return requests{}, err
	}
	if len(words) == 0 {
		return requests{}, fmt.Errorf("no public group has a title")
	}
	slices.Sort(words) // the order the users answered in varies
	paths := make([]string, len(words))
	for k, w := range words {
		paths[k] = withQuery("/api/v1/search/groups", "q", w)
	}
	list, err := b.pagesOf(ctx, paths, make([]string, len(paths)))
	return cycle(list), err
}

// buildUserGroups lists every user's groups anonymously (the public ones)
// and, for the signed-in users, as themselves (all of them).
func buildUserGroups(ctx context.Context, b *bench) (requests, error) {
	var list []loadkit.Request
	for u, ref := range b.st.Users {
		path := "/api/v1/users/" + ref.ID + "/groups"
		list = append(list, loadkit.Request{Path: path})
		if b.tokens[u] != "" {
			list = append(list, loadkit.Request{Path: path, Token: b.tokens[u]})
		}
	}
	return cycle(list), nil
}

// secondPages reads page 2 of which (followers or following) of every user
// who has one. A data set too small for any page 2 (the tests') gets
// every user's page 1 instead, so that the scenario still runs.
func (b *bench) secondPages(ctx context.Context, which string) (requests, error) {
	second := make([]loadkit.Request, len(b.st.Users))
	first := make([]loadkit.Request, len(b.st.Users))
	err := b.parallel(ctx, len(b.st.Users), func(ctx context.Context, u int) error {
		path := "/api/v1/users/" + b.st.Users[u].ID + "/" + which
		first[u] = loadkit.Request{Path: path}
		cs, err := b.nextPages(ctx, path, "", "", 1, pageSize)
		if len(cs) > 0 {
			second[u] = loadkit.Request{Path: withQuery(path, "cursor", cs[0])}
		}
		return err
	})
	second = slices.DeleteFunc(second, func(r loadkit.Request) bool { return r.Path == "" })
	if len(second) == 0 {
		return cycle(first), err
	}
	return cycle(second), err
}

// buildGroupPinsSaves reads pages 1 and 2 of the groups with most saves:
// the public ones anonymously, the secret ones as their owner.
func buildGroupPinsSaves(ctx context.Context, b *bench) (requests, error) {
	var paths, tokens []string
	for _, g := range b.st.SavedGroups {
		tok := ""
		if g.Secret {
			if tok = b.tokens[g.Owner]; tok == "" {
				continue
			}
		}
		paths = append(paths, "/api/v1/groups/"+g.ID+"/pins")
		tokens = append(tokens, tok)
	}
	if len(paths) == 0 {
		return requests{}, fmt.Errorf("the data set has no saved groups (seeded before saves?)")
	}
	list, err := b.pagesOf(ctx, paths, tokens)
	return cycle(list), err
}
