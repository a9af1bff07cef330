package handlers

import (
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// searchTabs are the search page's tabs, in order; the first is the
// default. Each is a plain link (?tab=), so the tabs work without script.
var searchTabs = []string{"pins", "people", "groups"}

// handleSearchPage shows what matches q under one tab: pins by words of
// their title and content, people by nickname prefix, public groups by
// title words. An empty q shows the empty tabs and the box.
func (w *web) handleSearchPage(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	v.Tab = searchTabs[0]
	for _, t := range searchTabs {
		if c.Query("tab") == t {
			v.Tab = t
		}
	}
	v.Tabs = searchTabs
	if v.Query == "" {
		return w.render(c, http.StatusOK, "search", v)
	}
	ctx := c.UserContext()
	var next *string
	b := w.boards()
	switch {
	case v.Tab == "people" && b != nil:
		if v.People, next, err = b.SearchUsers(ctx, v.Query, cursorPage(c)); err != nil {
			return err
		}
	case v.Tab == "groups" && b != nil:
		if v.Groups, next, err = b.SearchGroups(ctx, v.Query, cursorPage(c)); err != nil {
			return err
		}
	default:
		var pins []store.PinView
		pins, next, err = w.store.FindPins(ctx, store.PinQuery{Query: v.Query}, cardViewer, cursorPage(c))
		if err != nil {
			return err
		}
		v.setPins(pins, next, "/api/v1/pins?q="+url.QueryEscape(v.Query))
	}
	if next != nil {
		v.MoreURL = "/search?" + url.Values{"q": {v.Query}, "tab": {v.Tab}, "cursor": {*next}}.Encode()
	}
	return w.render(c, http.StatusOK, "search", v)
}
