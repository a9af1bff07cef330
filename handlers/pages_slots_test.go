package handlers

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestSlotTemplatesFillToRealMarkup fills the card and comment templates
// as the scripts do (fromTemplate in util.js: every placeholder becomes
// the field's value) and expects, byte for byte, the markup the server
// renders for the same pin or comment: same elements, classes, labels and
// texts, in every language, with texts that need escaping, for a viewer
// signed out, signed in, and the comment's author.
func TestSlotTemplatesFillToRealMarkup(t *testing.T) {
	f := newFragments(DefaultCacheBytes)
	if _, err := parsePages(f); err != nil {
		t.Fatal(err)
	}
	img := store.ImageRef{Key: "0a1b2c3d4e5f", Ext: "jpg", Width: 640, Height: 800}
	odd := `<b>"a" & 'b' + c</b>` + "\x00 여행 {title}"
	pins := []store.PinView{
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: "Sunset", Image: img, UpdatedAt: time.Now()}},
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: odd, Image: store.ImageRef{Key: "k", Ext: "png", Width: 1, Height: 2, Alpha: true}},
			Author: store.Card{ID: bson.NewObjectID(), Nickname: `n<i>ck&"'+`, Avatar: img}, Counts: store.PinCounts{Likes: 12345}},
	}
	me := &store.User{ID: bson.NewObjectID(), Nickname: "me"}
	mine := store.CommentView{Comment: store.Comment{ID: bson.NewObjectID(), Content: "line one\n" + odd, CreatedAt: time.Now()},
		Author: store.Card{ID: me.ID, Nickname: "me", Avatar: img}}
	theirs := store.CommentView{Comment: store.Comment{ID: bson.NewObjectID(), Content: "nice", CreatedAt: time.Unix(1e9, 5e8)},
		Author: store.Card{ID: bson.NewObjectID(), Nickname: "바다"}}

	for _, lang := range languages {
		tr := newTranslator(lang)
		tpl, err := f.cardTemplate(lang, tr)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range pins {
			want, err := f.cards(lang, tr, []store.PinView{p})
			if got := fillSlots(t, tpl, cardSlots(p)); err != nil || got != string(want) {
				t.Errorf("%s card %d (%v):\n got %s\nwant %s", lang, i, err, got, want)
			}
		}
		for _, v := range []*view{{Lang: lang}, {Lang: lang, Me: me, CSRF: "csrf-token"}} {
			tpls, err := f.commentTemplates(lang, tr, v)
			if err != nil || len(tpls) != map[bool]int{false: 1, true: 2}[v.Me != nil] {
				t.Fatalf("%s comment templates for %v: %d, %v", lang, v.Me != nil, len(tpls), err)
			}
			for _, c := range []store.CommentView{mine, theirs} {
				tpl := tpls[0]
				if v.Me != nil && c.Author.ID == v.Me.ID {
					tpl = tpls[1]
				}
				want, err := f.comment(lang, c, v)
				if got := fillSlots(t, tpl, commentSlots(tr, c)); err != nil || got != string(want) {
					t.Errorf("%s comment by %s, signed in %v (%v):\n got %s\nwant %s", lang, c.Author.Nickname, v.Me != nil, err, got, want)
				}
			}
		}
	}
}

// fillSlots does to s's markup what fromTemplate does to its elements:
// each placeholder, longest first, becomes its value (escaped here, as
// the server escapes it). Every placeholder must appear, and every field
// have a value.
func fillSlots(t *testing.T, s slotted, values map[string]string) string {
	t.Helper()
	var slots map[string]string
	if err := json.Unmarshal([]byte(s.Slots), &slots); err != nil {
		t.Fatalf("%s: data-slots %q: %v", s.ID, s.Slots, err)
	}
	texts := make([]string, 0, len(slots))
	for _, text := range slots {
		texts = append(texts, text)
	}
	slices.SortFunc(texts, func(a, b string) int { return len(b) - len(a) })
	name := map[string]string{}
	for n, text := range slots {
		name[text] = n
	}
	var pairs []string
	for _, text := range texts {
		if !strings.Contains(string(s.HTML), text) {
			t.Errorf("%s: placeholder %s=%q is not in %s", s.ID, name[text], text, s.HTML)
		}
		v, ok := values[name[text]]
		if !ok {
			t.Errorf("%s: no value for %s", s.ID, name[text])
		}
		pairs = append(pairs, text, string(appendEscaped(nil, v)))
	}
	return strings.NewReplacer(pairs...).Replace(string(s.HTML))
}

// TestPagesCarrySlotTemplates: a grid page carries the card template, a
// pin page the comment templates, the delete form's only for a signed-in
// viewer; the placeholders are inert (inside <template>, never shown).
func TestPagesCarrySlotTemplates(t *testing.T) {
	e := newEnv(t)
	author := e.signup()
	id := e.createPin(author, e.createGroup(author, "board"), "a pin")["id"].(string)
	for _, tc := range []struct {
		name, path string
		viewer     *user
		want, not  []string
	}{
		{"home", "/", nil, []string{`<template id="card-template" data-slots="{`}, []string{`id="comment-template`}},
		{"pin, signed out", "/pins/" + id, nil,
			[]string{`<template id="card-template"`, `<template id="comment-template" data-slots="{`}, []string{`comment-template-mine`}},
		{"pin, signed in", "/pins/" + id, &author,
			[]string{`<template id="comment-template"`, `<template id="comment-template-mine" data-slots="{`, `/delete" data-js="uncomment"`}, nil},
	} {
		page := e.newBrowser(tc.viewer).get(tc.path)
		expect(t, page, http.StatusOK, tc.want...)
		body := string(page.body)
		for _, s := range tc.not {
			if strings.Contains(body, s) {
				t.Errorf("%s: %s shown", tc.name, s)
			}
		}
		// Outside the templates, no placeholder.
		outside := slotTemplates.ReplaceAllString(body, "")
		if strings.Contains(outside, "{title}") || strings.Contains(outside, slotPin().ID.Hex()) {
			t.Errorf("%s: a placeholder outside its template", tc.name)
		}
	}
}

var slotTemplates = regexp.MustCompile(`(?s)<template id="(card|comment)-template.*?</template>`)
