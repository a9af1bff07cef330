package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// items returns the items of a list answer.
func items(t *testing.T, r resp) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// itemIDs returns the ids of a list answer's items.
func itemIDs(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, it := range items(t, r) {
		out = append(out, it["id"].(string))
	}
	return out
}

// allIDs follows a list's cursors with limit and returns every id.
func (e *testEnv) allIDs(path, token string, limit int) []string {
	e.t.Helper()
	var out []string
	cursor := ""
	for range 50 {
		sep := "?"
		if slices.Contains([]byte(path), '?') {
			sep = "&"
		}
		p := path + sep + "limit=" + itoa(limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		r := e.must(http.StatusOK, req{method: "GET", path: p, token: token})
		out = append(out, itemIDs(e.t, r)...)
		next, _ := r.json(e.t)["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
	e.t.Fatal("list does not end")
	return nil
}

func itoa(n int) string {
	return string([]byte{byte('0' + n/10%10), byte('0' + n%10)})
}

// TestSaveAPI: PUT and DELETE /pins/{id}/saves/{group_id} answer
// {saved,save_count,group_id}, idempotently; only into one's own group
// (403, or 404 for someone else's secret group or anything missing);
// every pin shape says save_count and the viewer's saved_group_ids; the
// group lists the saved pin credited to its author; a save publishes
// pin.saved and notifies the author, once.
func TestSaveAPI(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	ga := e.createGroup(a, "mine")
	pin := e.createPin(a, ga, "saved pin")["id"].(string)
	gb := e.createGroup(b, "collection")
	body, ct := form(t, map[string]string{"title": "hidden", "secret": "1"}, "", nil)
	secretA := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: a.token}).json(t)["id"].(string)
	path := "/api/v1/pins/" + pin + "/saves/" + gb

	for range 2 {
		got := e.must(http.StatusOK, req{method: "PUT", path: path, token: b.token}).json(t)
		if got["saved"] != true || got["save_count"] != 1.0 || got["group_id"] != gb {
			t.Fatalf("save = %v", got)
		}
	}
	if n := len(e.pub.find("pin:"+pin, evPinSaved)); n != 1 {
		t.Errorf("%d pin.saved events for one save, want 1", n)
	} else if f := e.pub.find("pin:"+pin, evPinSaved)[0]; f.Data["pin_id"] != pin || f.Data["save_count"] != 1.0 {
		t.Errorf("pin.saved = %v", f.Data)
	}
	// The save's notification is written after the response.
	var notes []map[string]any
	eventually(t, 10*time.Second, "the save notification", func() bool {
		notes = items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/notifications", token: a.token}))
		return slices.ContainsFunc(notes, func(n map[string]any) bool { return n["kind"] == "save" })
	})
	saves := 0
	for _, n := range notes {
		if n["kind"] == "save" {
			saves++
			if n["actor"].(map[string]any)["id"] != b.id || n["pin"].(map[string]any)["id"] != pin {
				t.Errorf("save notification = %v", n)
			}
		}
	}
	if saves != 1 {
		t.Errorf("%d save notifications, want 1: %v", saves, notes)
	}

	mine := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + pin, token: b.token}).json(t)
	if mine["save_count"] != 1.0 || !slices.Equal(mine["saved_group_ids"].([]any), []any{gb}) {
		t.Errorf("pin as the saver sees it = %v", mine)
	}
	anon := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins/" + pin}).json(t)
	if anon["save_count"] != 1.0 || len(anon["saved_group_ids"].([]any)) != 0 {
		t.Errorf("pin as anyone sees it = %v", anon)
	}
	grid := items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins", token: b.token}))
	if len(grid) != 1 || grid[0]["save_count"] != 1.0 || len(grid[0]["saved_group_ids"].([]any)) != 1 {
		t.Errorf("grid = %v", grid)
	}
	listed := items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups/" + gb + "/pins"}))
	if len(listed) != 1 || listed[0]["id"] != pin || listed[0]["author"].(map[string]any)["id"] != a.id {
		t.Errorf("b's group lists %v", listed)
	}
	if g := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups/" + gb}).json(t); g["pin_count"] != 1.0 {
		t.Errorf("b's group = %v", g)
	}

	refused := []struct {
		name, path, token string
		status            int
	}{
		{"anonymous", path, "", http.StatusUnauthorized},
		{"someone else's public group", "/api/v1/pins/" + pin + "/saves/" + ga, b.token, http.StatusForbidden},
		{"someone else's secret group", "/api/v1/pins/" + pin + "/saves/" + secretA, b.token, http.StatusNotFound},
		{"missing pin", "/api/v1/pins/aaaaaaaaaaaaaaaaaaaaaaaa/saves/" + gb, b.token, http.StatusNotFound},
		{"malformed group", "/api/v1/pins/" + pin + "/saves/xyz", b.token, http.StatusNotFound},
		{"the group it was posted in", "/api/v1/pins/" + pin + "/saves/" + ga, a.token, http.StatusUnprocessableEntity},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			e.with(t).must(tc.status, req{method: "PUT", path: tc.path, token: tc.token})
		})
	}

	// The author saves their own pin: no notification to themselves.
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + pin + "/saves/" + secretA, token: a.token})
	notes = items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/notifications", token: a.token}))
	if len(notes) != saves {
		t.Errorf("saving one's own pin notified: %v", notes)
	}

	for range 2 {
		got := e.must(http.StatusOK, req{method: "DELETE", path: path, token: b.token}).json(t)
		if got["saved"] != false || got["save_count"] != 1.0 {
			t.Fatalf("unsave = %v", got)
		}
	}
	if n := len(e.pub.find("pin:"+pin, evPinSaved)); n != 3 {
		t.Errorf("%d pin.saved events after save, own save and unsave, want 3", n)
	}
	if listed := items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/groups/" + gb + "/pins"})); len(listed) != 0 {
		t.Errorf("b's group after unsave lists %v", listed)
	}
}

// TestUserGroupsAPI: a user's public groups, newest first, paginated,
// with owner card, pin count and previews; all of them for themselves.
func TestUserGroupsAPI(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	g1 := e.createGroup(a, "one")
	e.createPin(a, g1, "p")
	body, ct := form(t, map[string]string{"title": "hidden", "secret": "true"}, "", nil)
	sec := e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: a.token}).json(t)["id"].(string)
	g3 := e.createGroup(a, "three")
	path := "/api/v1/users/" + a.id + "/groups"
	if got := e.allIDs(path, "", 1); !slices.Equal(got, []string{g3, g1}) {
		t.Errorf("anonymous sees %v, want %v", got, []string{g3, g1})
	}
	if got := e.allIDs(path, b.token, 1); !slices.Equal(got, []string{g3, g1}) {
		t.Errorf("b sees %v", got)
	}
	if got := e.allIDs(path, a.token, 2); !slices.Equal(got, []string{g3, sec, g1}) {
		t.Errorf("a sees %v", got)
	}
	list := items(t, e.must(http.StatusOK, req{method: "GET", path: path}))
	one := list[1]
	if one["pin_count"] != 1.0 || one["owner"].(map[string]any)["nickname"] != a.nickname || len(one["preview_urls"].([]any)) != 1 || one["secret"] != false {
		t.Errorf("group in the list = %v", one)
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/users/aaaaaaaaaaaaaaaaaaaaaaaa/groups"})
	e.must(http.StatusBadRequest, req{method: "GET", path: path + "?cursor=bogus"})
}

// TestSearchPeopleAndGroups: people by nickname prefix in any case, public
// groups by title words, both paginated; a bad cursor is a 400.
func TestSearchPeopleAndGroups(t *testing.T) {
	e := newEnv(t)
	a := e.signup() // nickname userN
	for _, nick := range []string{"Zebra", "ZEBRAS", "zeal"} {
		e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/auth/signup",
			body: map[string]string{"email": nick + "@example.com", "nickname": nick, "password": "correct horse battery"}})
	}
	cards := items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/search/users?q=zEb"}))
	if len(cards) != 2 || cards[0]["nickname"] != "Zebra" || cards[1]["nickname"] != "ZEBRAS" || cards[0]["email"] != nil {
		t.Errorf("people = %v", cards)
	}
	if got := e.allIDs("/api/v1/search/users?q=ze", "", 1); len(got) != 3 {
		t.Errorf("ze: %v", got)
	}
	if got := items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/search/users?q=ebra"})); len(got) != 0 {
		t.Errorf("ebra: %v", got)
	}
	e.must(http.StatusBadRequest, req{method: "GET", path: "/api/v1/search/users?q=ze&cursor=bogus"})

	g1, g2 := e.createGroup(a, "Summer Trip"), e.createGroup(a, "summertime")
	body, ct := form(t, map[string]string{"title": "summer secret", "secret": "true"}, "", nil)
	e.must(http.StatusCreated, req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: a.token})
	if got := e.allIDs("/api/v1/search/groups?q=SUMM", a.token, 1); !slices.Equal(got, []string{g2, g1}) {
		t.Errorf("groups summ: %v, want %v", got, []string{g2, g1})
	}
	found := items(t, e.must(http.StatusOK, req{method: "GET", path: "/api/v1/search/groups?q=trip"}))
	if len(found) != 1 || found[0]["id"] != g1 || found[0]["owner"].(map[string]any)["id"] != a.id {
		t.Errorf("groups trip: %v", found)
	}
	e.must(http.StatusBadRequest, req{method: "GET", path: "/api/v1/search/groups?q=x&cursor=bogus"})
}

// TestRelatedAPI: the pins sharing a group come first, then those sharing
// a title word; never the pin itself; pages join without duplicates.
func TestRelatedAPI(t *testing.T) {
	e := newEnv(t)
	a, b := e.signup(), e.signup()
	ga, gb := e.createGroup(a, "a"), e.createGroup(b, "b")
	word := e.createPin(b, gb, "sunset beach")["id"].(string)
	sibling := e.createPin(a, ga, "other")["id"].(string)
	pin := e.createPin(a, ga, "Sunset")["id"].(string)
	e.createPin(b, gb, "unrelated")
	path := "/api/v1/pins/" + pin + "/related"
	for _, limit := range []int{1, 24} {
		if got := e.allIDs(path, b.token, limit); !slices.Equal(got, []string{sibling, word}) {
			t.Errorf("related (limit %d) = %v, want %v", limit, got, []string{sibling, word})
		}
	}
	e.must(http.StatusNotFound, req{method: "GET", path: "/api/v1/pins/aaaaaaaaaaaaaaaaaaaaaaaa/related"})
	e.must(http.StatusBadRequest, req{method: "GET", path: path + "?cursor=bogus"})
}
