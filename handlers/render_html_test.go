package handlers

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/public"
	"mypinterest/store"
)

// goPagesWeb is a web with the templates and the Go pages' parts, enough
// to render pages without a server.
func goPagesWeb(t *testing.T) *web {
	t.Helper()
	f := newFragments(DefaultCacheBytes)
	tpl, err := parsePages(f)
	if err != nil {
		t.Fatal(err)
	}
	static, err := newStatics(f)
	if err != nil {
		t.Fatal(err)
	}
	return &web{tpl: tpl, static: static}
}

// templatePage is page rendered by its template, the reference.
func templatePage(t *testing.T, w *web, page string, v *view) string {
	t.Helper()
	var buf bytes.Buffer
	if err := w.tpl[v.Lang][page].ExecuteTemplate(&buf, "layout", v); err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	return buf.String()
}

// firstDiff shows where got and want part.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-120)
	return fmt.Sprintf("at byte %d:\n got …%q\nwant …%q", i, got[lo:min(len(got), i+120)], want[lo:min(len(want), i+120)])
}

// TestGoPagesMatchTemplates holds every page written in Go to its
// template, byte for byte: in every language, for a visitor, a viewer
// and the page's own user, with and without the optional parts, and
// with texts html/template escapes (in text, attributes and URLs).
func TestGoPagesMatchTemplates(t *testing.T) {
	w := goPagesWeb(t)
	odd := `<b>"a" & 'b' + c</b>` + "\x00 여행 \xff"
	img := store.ImageRef{Key: "0a1b2c3d4e5f", Ext: "jpg", Width: 640, Height: 800}
	me := &store.User{ID: bson.NewObjectID(), Nickname: "me", Avatar: img}
	plainMe := &store.User{ID: bson.NewObjectID(), Nickname: `n<i>ck&"'+`}
	other := store.Card{ID: bson.NewObjectID(), Nickname: "바다", Avatar: img}
	pins := []store.PinView{
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: "Sunset", Image: img, UpdatedAt: time.Now()}, Author: other, Counts: store.PinCounts{Likes: 3}},
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: odd, Image: store.ImageRef{Key: "k", Ext: "png", Width: 1, Height: 2, Alpha: true}},
			Author: store.Card{ID: me.ID, Nickname: me.Nickname}, Counts: store.PinCounts{Likes: 12345}},
	}
	groups := []store.GroupView{
		{Group: store.Group{ID: bson.NewObjectID(), Title: "Trips", Image: img}, PinCount: 1},
		{Group: store.Group{ID: bson.NewObjectID(), Title: odd, Secret: true}, PinCount: 42, Previews: []store.ImageRef{img, img}},
		{Group: store.Group{ID: bson.NewObjectID(), Title: "empty"}},
	}
	choices := []store.Group{groups[0].Group, groups[1].Group, groups[2].Group}
	comments := []store.CommentView{
		{Comment: store.Comment{ID: bson.NewObjectID(), Content: "line one\n" + odd, CreatedAt: time.Unix(1e9, 0)}, Author: me.Card()},
		{Comment: store.Comment{ID: bson.NewObjectID(), Content: "nice", CreatedAt: time.Unix(1.5e9, 5e8)}, Author: other},
	}
	detail := func(p store.PinView, content string, counts store.PinCounts, liked bool) *store.PinView {
		p.Content, p.Counts, p.LikedByMe, p.BookmarkedByMe = content, counts, liked, !liked
		p.CreatedAt = time.Unix(1.6e9, 0)
		p.SavedGroupIDs = []bson.ObjectID{groups[1].ID}
		return &p
	}

	type variant struct {
		name string
		fill func(v *view)
	}
	base := func(lang string, u *store.User) *view {
		v := &view{Lang: lang, Me: u, CSRF: "tok-_123", Path: "/pins/x?cursor=a b&q=<\"é\">", Static: "/static/v/" + public.Version(),
			Form: map[string]string{}, Errors: map[string]string{}}
		if u != nil {
			v.Topics = []string{userTopic(u.ID)}
		}
		return v
	}
	pages := map[string][]variant{
		"home": {
			{"plain", func(v *view) { v.setPins(pins, nil, "/api/v1/pins") }},
			{"search", func(v *view) {
				v.Query = odd
				next := "c+1/2=="
				v.setPins(pins, &next, "/api/v1/pins?q=a%20b")
				v.Flash, v.Unread = odd, 7
				v.Topics = append(v.Topics, topicPins)
			}},
			{"empty", func(v *view) { v.setPins(nil, nil, "") }},
		},
		"pinlist": {
			{"feed", func(v *view) {
				next := "abc"
				v.setPins(pins, &next, "/api/v1/feed")
				v.Heading, v.Intro = "Feed", odd
			}},
			{"nointro", func(v *view) { v.setPins(nil, nil, "/api/v1/me/bookmarks"); v.Heading = odd }},
		},
		"group": {
			{"others", func(v *view) {
				g := groups[0]
				g.Content, g.OwnerID = odd, other.ID
				v.Group = &g
				v.Profile = &store.Profile{Card: other}
				next := "g1"
				v.setPins(pins, &next, "/api/v1/groups/x/pins")
			}},
			{"own", func(v *view) {
				g := groups[1]
				if v.Me != nil {
					g.OwnerID = v.Me.ID
					v.Profile = &store.Profile{Card: v.Me.Card()}
				} else {
					v.Profile = &store.Profile{Card: store.Card{ID: bson.NewObjectID(), Nickname: odd}}
				}
				v.Group = &g
			}},
		},
		"groups": {
			{"some", func(v *view) { v.Groups = groups }},
			{"none", func(v *view) {}},
		},
		"profile": {
			{"other", func(v *view) {
				v.Profile = &store.Profile{Card: other, Message: odd, PinCount: 1, FollowerCount: 1, FollowingCount: 3}
				v.Groups = groups
				next := "n"
				v.setPins(pins, &next, "/api/v1/users/x/pins")
			}},
			{"following", func(v *view) {
				v.Profile = &store.Profile{Card: store.Card{ID: bson.NewObjectID(), Nickname: odd}, PinCount: 2, FollowerCount: 5, IsFollowing: true}
			}},
			{"self", func(v *view) {
				if v.Me != nil {
					v.Profile = &store.Profile{Card: v.Me.Card(), PinCount: 0}
				} else {
					v.Profile = &store.Profile{Card: other}
				}
				v.setPins(pins[:1], nil, "/api/v1/users/y/pins")
			}},
		},
		"pin": {
			{"others", func(v *view) {
				v.Pin = detail(pins[0], odd, store.PinCounts{Likes: 1, Bookmarks: 2, Comments: 2, Saves: 1}, true)
				v.Profile = &store.Profile{Card: other, FollowerCount: 1}
				v.Comments, v.CommentsNext = comments, "next/cursor+="
				v.Group = &groups[0]
				v.Choices = choices
				next := "r1"
				v.setPins(pins, &next, "/api/v1/pins/x/related")
				v.MoreURL = "/pins/x/related?cursor=r%2B1&x=1"
			}},
			{"own", func(v *view) {
				p := pins[1]
				if v.Me != nil {
					p.Author = v.Me.Card()
				}
				v.Pin = detail(p, "", store.PinCounts{Saves: 2}, false)
				v.Profile = &store.Profile{Card: p.Author, FollowerCount: 2, IsFollowing: true}
				v.Choices = choices[:1]
				v.Form["content"], v.Form["new_title"] = odd, odd
				v.Errors["content"], v.Errors["new_title"] = odd, "too long"
			}},
			{"refusedsave", func(v *view) {
				v.Pin = detail(pins[0], "x", store.PinCounts{}, false)
				v.Profile = &store.Profile{Card: other, IsFollowing: true}
				v.Errors["save"] = "no"
			}},
		},
	}
	for page, variants := range pages {
		if goPages[page].content == nil {
			t.Errorf("%s is not written in Go", page)
		}
		for _, lang := range languages {
			for _, u := range []*store.User{nil, me, plainMe} {
				for _, vr := range variants {
					v := base(lang, u)
					vr.fill(v)
					want := templatePage(t, w, page, v)
					hw, ok := w.writePage(page, v)
					if !ok {
						t.Errorf("%s/%s/%s signed in %v: not written in Go", page, vr.name, lang, u != nil)
						continue
					}
					got := string(hw.b)
					release(hw)
					if got != want {
						t.Errorf("%s/%s/%s signed in %v: %s", page, vr.name, lang, u != nil, firstDiff(got, want))
					}
				}
			}
		}
	}
}

// TestGoPagesFallBack: a URL html/template would change sends the page
// to the template, which stays what the page shows.
func TestGoPagesFallBack(t *testing.T) {
	w := goPagesWeb(t)
	v := &view{Lang: "en", Static: "/static/v/" + public.Version(), Form: map[string]string{}, Errors: map[string]string{}}
	v.Groups = []store.GroupView{{Group: store.Group{ID: bson.NewObjectID(), Title: "t", Image: store.ImageRef{Key: "a b", Ext: "jpg"}}}}
	if _, ok := w.writePage("groups", v); ok {
		t.Error("a cover URL with a space was written in Go")
	}
	v.Groups = nil
	v.MoreURL = "javascript:alert(1)"
	if _, ok := w.writePage("home", v); ok {
		t.Error("a link with a scheme was written in Go")
	}
	if _, ok := w.writePage("login", v); ok {
		t.Error("a page without a Go writer was written in Go")
	}
	if got := templatePage(t, w, "groups", v); !strings.Contains(got, "groups.empty") && !strings.Contains(got, `class="empty"`) {
		t.Errorf("template groups page: %s", got)
	}
}
