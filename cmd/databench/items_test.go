package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"mypinterest/internal/loadkit"
)

// TestItemsPerResponse: the mean length of "items" over the distinct
// requests, sampled across all of them; 0 for pages and writes, whose
// answers are not lists.
func TestItemsPerResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/three":
			_, _ = w.Write([]byte(`{"items":[{},{},{}],"next_cursor":null}`))
		case "/none":
			_, _ = w.Write([]byte(`{"items":[],"next_cursor":null}`))
		default:
			_, _ = w.Write([]byte(`{"id":"x"}`))
		}
	}))
	defer srv.Close()
	b := newBench(srv.URL, &State{}, 1)
	for _, c := range []struct {
		name string
		list []loadkit.Request
		want float64
	}{
		{"lists", []loadkit.Request{{Path: "/three"}, {Path: "/none"}}, 1.5},
		// The largest lists first, as most scenarios order them: the
		// sample spans the rest too.
		{"longest first", append(slices.Repeat([]loadkit.Request{{Path: "/three"}}, itemSample),
			slices.Repeat([]loadkit.Request{{Path: "/none"}}, itemSample)...), 1.5},
		{"not a list", []loadkit.Request{{Path: "/pin"}}, 0},
		{"pages", []loadkit.Request{{Path: "/three", HTML: true}}, 0},
		{"writes", []loadkit.Request{{Method: http.MethodPost, Path: "/three"}}, 0},
	} {
		got, err := b.itemsPerResponse(t.Context(), cycle(c.list))
		if err != nil || got != c.want {
			t.Errorf("%s: %v items per response (%v), want %v", c.name, got, err, c.want)
		}
	}
}
