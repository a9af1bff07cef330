package main

import (
	"context"
	"net/http"
	"net/url"

	"mypinterest/internal/loadkit"
)

// authAnswer is what sign-up and log-in return.
type authAnswer struct {
	User struct {
		ID       string `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"user"`
	Token string `json:"token"`
}

// idAnswer picks the id out of any created resource.
type idAnswer struct {
	ID string `json:"id"`
}

// pinPage is one page of GET /pins.
type pinPage struct {
	Items      []idAnswer `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// countPins counts pins page by page, stopping once limit is reached so the
// check stays cheap on a large database.
func countPins(ctx context.Context, api *loadkit.Client, limit int) (int, error) {
	n := 0
	cursor := ""
	for n < limit {
		path := "/api/v1/pins?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page pinPage
		if err := api.JSON(ctx, http.MethodGet, path, "", nil, &page); err != nil {
			return n, err
		}
		n += len(page.Items)
		if page.NextCursor == nil || *page.NextCursor == "" || len(page.Items) == 0 {
			break
		}
		cursor = *page.NextCursor
	}
	return n, nil
}
