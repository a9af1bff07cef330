package handlers

import (
	"bytes"
	"fmt"
	"html/template"

	"mypinterest/internal/bytecache"
	"mypinterest/store"
)

// fragments renders the partials that busy pages repeat — a grid card, a
// comment — once per content and language, and reuses the HTML. A pin with
// 60 comments would otherwise spend most of each request in html/template's
// reflection. Grid cards are written in Go (pages_card.go), which costs
// less than a lookup; only the rare card that needs the template is
// cached. The pages written in Go (render_html.go) write their comments
// too; the cache serves the pages still executed by their templates. A
// key holds everything a fragment shows, so a changed pin or author gets
// a new key and nothing needs invalidating.
type fragments struct {
	// tpl is set once after parsing and only read afterwards.
	tpl map[string]map[string]*template.Template

	cache *bytecache.Cache[string, template.HTML]
}

func newFragments(maxBytes int64) *fragments {
	return &fragments{cache: bytecache.New(maxBytes, func(k string, html template.HTML) int64 {
		return int64(len(k) + len(html))
	})}
}

// funcs returns the template functions that render fragments in lang.
func (f *fragments) funcs(lang string) template.FuncMap {
	tr := newTranslator(lang)
	return template.FuncMap{
		// cards renders a grid's cards with one call: through the template,
		// each card's call and its argument would cost reflection too.
		"cards": func(ps []store.PinView) (template.HTML, error) { return f.cards(lang, tr, ps) },
		"comment": func(c store.CommentView, v *view) (template.HTML, error) {
			return f.comment(lang, c, v)
		},
		// The <template>s the scripts fill (see pages_slots.go).
		"cardTemplate":     func() (slotted, error) { return f.cardTemplate(lang, tr) },
		"commentTemplates": func(v *view) ([]slotted, error) { return f.commentTemplates(lang, tr, v) },
	}
}

// cards is the grid cards of ps, written in Go where writeCard can.
func (f *fragments) cards(lang string, tr translator, ps []store.PinView) (template.HTML, error) {
	w := &htmlw{tr: tr, b: make([]byte, 0, 1200*len(ps))}
	for i := range ps {
		if writeCard(w, &ps[i]) {
			continue
		}
		html, err := f.card(lang, ps[i])
		if err != nil {
			return "", err
		}
		w.raw(string(html))
	}
	return template.HTML(w.b), nil
}

// comment is the "comment" partial of c as v's viewer sees it, cached
// unless it holds the viewer's delete form.
func (f *fragments) comment(lang string, c store.CommentView, v *view) (template.HTML, error) {
	data := map[string]any{"C": c, "V": v}
	if v.Me != nil && v.Me.ID == c.Author.ID {
		// Its delete form carries this viewer's CSRF token.
		return f.execute(lang, "comment", data)
	}
	return f.render(lang, "comment", commentFragmentKey(lang, c, v.Me != nil), data)
}

// card is the template's "pincard" for a pin whose card writeCard leaves
// to it, cached.
func (f *fragments) card(lang string, p store.PinView) (template.HTML, error) {
	return f.render(lang, "pincard", cardFragmentKey(lang, p), p)
}

// render returns the cached fragment under key, executing name on a miss.
func (f *fragments) render(lang, name, key string, data any) (template.HTML, error) {
	if html, ok := f.cache.Get(key); ok {
		return html, nil
	}
	html, err := f.execute(lang, name, data)
	if err != nil {
		return "", err
	}
	f.cache.Put(key, html)
	return html, nil
}

// execute runs the partial name of lang's template set.
func (f *fragments) execute(lang, name string, data any) (template.HTML, error) {
	t := f.tpl[lang]["home"]
	if t == nil {
		return "", fmt.Errorf("pages: no template set for %q", lang)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	// The partial was escaped by html/template like any other output.
	return template.HTML(buf.String()), nil
}
