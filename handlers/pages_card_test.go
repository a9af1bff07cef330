package handlers

import (
	"html/template"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestCardHTMLMatchesTemplate holds the Go card to the "pincard" template,
// byte for byte, in every language, with text html/template escapes, and
// checks that a URL the template would normalise falls back to it.
func TestCardHTMLMatchesTemplate(t *testing.T) {
	f := newFragments(DefaultCacheBytes)
	if _, err := parsePages(f); err != nil {
		t.Fatal(err)
	}
	img := store.ImageRef{Key: "0a1b2c3d4e5f", Ext: "jpg", Width: 640, Height: 800}
	pins := []store.PinView{
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: "Sunset", Image: img, UpdatedAt: time.Now()}},
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: `<b>"a" & 'b' + c</b>` + "\x00 여행 \xff", Image: store.ImageRef{Key: "k", Ext: "png", Width: 1, Height: 2, Alpha: true}},
			Author: store.Card{ID: bson.NewObjectID(), Nickname: `n<i>ck&"'+`, Avatar: img}, Counts: store.PinCounts{Likes: 12345}},
		{Pin: store.Pin{ID: bson.NewObjectID(), Title: "", Image: img}, Author: store.Card{Nickname: "바다"}},
	}
	for _, lang := range languages {
		tr := newTranslator(lang)
		for i, p := range pins {
			want, err := f.execute(lang, "pincard", p)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := cardHTML(tr, &p)
			if !ok || got != want {
				t.Errorf("%s pin %d (ok %v):\n got %s\nwant %s", lang, i, ok, got, want)
			}
		}
	}
	odd := pins[0]
	odd.Image.Key = "a b"
	if _, ok := cardHTML(newTranslator(languages[0]), &odd); ok {
		t.Error("a key with a space was written in Go: the template would escape it")
	}
	// The grid falls back to the template for it, between Go cards.
	html, err := f.funcs(languages[0])["cards"].(func([]store.PinView) (template.HTML, error))([]store.PinView{pins[0], odd, pins[2]})
	want0, _ := cardHTML(newTranslator(languages[0]), &pins[0])
	want2, _ := cardHTML(newTranslator(languages[0]), &pins[2])
	if err != nil || !strings.Contains(string(html), "a%20b/236.jpg") || !strings.HasPrefix(string(html), string(want0)) ||
		!strings.HasSuffix(string(html), string(want2)) || strings.Count(string(html), "<article") != 3 {
		t.Errorf("cards with a fallback = %s, %v", html, err)
	}
}
