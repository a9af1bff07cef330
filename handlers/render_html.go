package handlers

import (
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"

	"mypinterest/media"
	"mypinterest/store"
)

// The busiest pages (the grid, a pin, a profile, groups, pin lists) are written
// in Go rather than by html/template, whose reflection — a reflect call
// per action, one per escaper and per function — was half of their CPU.
// The templates stay the reference: TestGoPagesMatchTemplates holds every
// Go page to its template byte for byte, in every language, for viewers
// signed in and out, with texts that need escaping. A value the Go writer
// cannot print exactly as html/template would (a URL the template would
// normalise) clears htmlw.ok, and the page is executed by the template
// instead.

// htmlw writes one page.
type htmlw struct {
	b  []byte
	tr translator
	ls *langStatic
	ok bool
}

// raw writes markup.
func (w *htmlw) raw(s string) { w.b = append(w.b, s...) }

// text writes s escaped as html/template escapes text and quoted
// attribute values (not URLs).
func (w *htmlw) text(s string) { w.b = appendEscaped(w.b, s) }

// t writes the text of key, escaped.
func (w *htmlw) t(key string) { w.b = appendEscaped(w.b, w.tr.T(key)) }

// num writes n.
func (w *htmlw) num(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

// bool writes b as html/template prints a bool.
func (w *htmlw) bool(b bool) { w.b = strconv.AppendBool(w.b, b) }

// url writes u where a src or href begins: printed unchanged when it is a
// plain path (see plainURL), else the page goes to the template.
func (w *htmlw) url(u string) {
	if !plainURL(u) {
		w.ok = false
	}
	w.raw(u)
}

// linkURL writes an href that may carry a query (a "More" link): kept as
// it is when html/template's URL normaliser would keep it, then escaped
// for the attribute.
func (w *htmlw) linkURL(u string) {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!#$&*+,/;=?@[]%", c) >= 0) {
			w.ok = false // ':' too: the template would check the scheme
		}
	}
	w.text(u)
}

// query writes s inside a URL's query as html/template's URL escaper
// does: every byte but the unreserved ones percent-encoded, in lower-case
// hex.
func (w *htmlw) query(s string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			w.b = append(w.b, c)
			continue
		}
		w.b = append(w.b, '%', hex[c>>4], hex[c&15])
	}
}

// langStatic is what a language's pages repeat, made once at start-up.
type langStatic struct {
	i18n         string // the layout's <template id="i18n">
	cardTemplate string // the grid's <template id="card-template">
	// commentTemplate is the pin page's <template id="comment-template">,
	// another person's comment, the same for every viewer.
	commentTemplate string
	// followOn and followOff are the follow button's data-on and data-off
	// attributes: html/template takes data-on for a script attribute and
	// quotes its text as a JavaScript string.
	followOn, followOff string
}

// newLangStatic renders lang's constant parts, most with the templates
// themselves so that they are what the templates would write.
func newLangStatic(f *fragments, lang string) (*langStatic, error) {
	tr := newTranslator(lang)
	ls := &langStatic{}
	texts := tr.jsTexts()
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w := &htmlw{tr: tr, ls: ls, ok: true}
	w.raw(`<template id="i18n">`)
	for _, k := range keys {
		w.raw(`<data value="`)
		w.text(k)
		w.raw(`">`)
		w.text(texts[k])
		w.raw(`</data>`)
	}
	w.raw(`</template>`)
	ls.i18n = string(w.b)

	card, err := f.cardTemplate(lang, tr)
	if err != nil {
		return nil, err
	}
	html, err := f.execute(lang, "slotted", card)
	if err != nil {
		return nil, err
	}
	ls.cardTemplate = string(html)

	others := slotComment(slotAuthor.ID)
	w = &htmlw{tr: tr, ls: ls, ok: true}
	writeComment(w, &others, &view{Lang: lang})
	ls.commentTemplate = slottedHTML("comment-template", string(w.b), commentSlots(tr, others))

	attr := template.Must(template.New("").Parse(`<b data-on="{{.On}}" data-off="{{.Off}}">`))
	var ab strings.Builder
	if err := attr.Execute(&ab, map[string]string{"On": tr.T("profile.unfollow"), "Off": tr.T("profile.follow")}); err != nil {
		return nil, err
	}
	s := ab.String()
	on, rest, _ := strings.Cut(strings.TrimPrefix(s, `<b data-on="`), `" data-off="`)
	ls.followOn, ls.followOff = on, strings.TrimSuffix(rest, `">`)
	return ls, nil
}

// slottedHTML is the "slotted" partial written in Go.
func slottedHTML(id, html string, slots map[string]string) string {
	s := newSlotted(id, template.HTML(html), slots)
	b := append([]byte(`<template id="`), s.ID...)
	b = append(appendEscaped(append(b, `" data-slots="`...), s.Slots), `">`...)
	return string(append(append(b, s.HTML...), `</template>`...))
}

// goPage is a page written in Go: its "title" and "content" blocks.
type goPage struct {
	title, content func(w *htmlw, v *view)
}

// goPages are the pages written in Go, by template name.
var goPages = map[string]goPage{
	"home":    {homeTitle, homeContent},
	"pin":     {pinTitle, pinContent},
	"profile": {profileTitle, profileContent},
	"groups":  {groupsTitle, groupsContent},
	"pinlist": {pinlistTitle, pinlistContent},
	"group":   {groupTitle, groupContent},
}

// pageBufs are the buffers pages are written into, kept between requests:
// a page is tens of kilobytes, which would otherwise be garbage each time.
var pageBufs = sync.Pool{New: func() any { return new(htmlw) }}

// writePage writes page with v in Go; ok is false when the page is not
// written in Go or a value needs the template. The caller copies out
// w.b, then hands w back to release.
func (w *web) writePage(page string, v *view) (hw *htmlw, ok bool) {
	gp, found := goPages[page]
	ls := w.static[v.Lang]
	if !found || ls == nil {
		return nil, false
	}
	hw = pageBufs.Get().(*htmlw)
	*hw = htmlw{b: hw.b[:0], tr: newTranslator(v.Lang), ls: ls, ok: true}
	writeLayout(hw, v, gp)
	if !hw.ok {
		release(hw)
		return nil, false
	}
	return hw, true
}

// release puts a page's buffer back, unless it is unusually big.
func release(hw *htmlw) {
	if cap(hw.b) <= 1<<20 {
		pageBufs.Put(hw)
	}
}

// writeLayout is the "layout" template.
func writeLayout(w *htmlw, v *view, gp goPage) {
	w.raw("<!doctype html>\n<html lang=\"")
	w.text(v.Lang)
	w.raw("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"csrf-token\" content=\"")
	w.text(v.CSRF)
	w.raw("\">\n<title>")
	gp.title(w, v)
	w.raw(" · MyPinterest</title>\n<link rel=\"stylesheet\" href=\"")
	w.url(v.Static)
	w.raw("/css/site.css\">\n<link rel=\"icon\" href=\"")
	w.url(v.Static)
	w.raw("/img/logo.svg\" type=\"image/svg+xml\">\n<script type=\"module\" src=\"")
	w.url(v.Static)
	w.raw("/js/app.js\"></script>\n</head>\n<body data-me=\"")
	if v.Me != nil {
		w.raw(v.Me.ID.Hex())
	}
	w.raw(`" data-topics="`)
	for i, t := range v.Topics {
		if i > 0 {
			w.raw(" ")
		}
		w.text(t)
	}
	w.raw(`" data-lang="`)
	w.text(v.Lang)
	w.raw("\">\n<a class=\"skip\" href=\"#main\">")
	w.t("nav.skip")
	w.raw("</a>\n<header class=\"top\">\n  <nav class=\"nav\" aria-label=\"")
	w.t("nav.label")
	w.raw("\">\n    <a class=\"brand\" href=\"/\"><img src=\"")
	w.url(v.Static)
	w.raw("/img/logo.svg\" alt=\"\" width=\"28\" height=\"28\"><span class=\"brand-name\">MyPinterest</span></a>\n    <form class=\"search\" role=\"search\" method=\"get\" action=\"/search\">\n      <label class=\"sr-only\" for=\"q\">")
	w.t("nav.search")
	w.raw("</label>\n      <input id=\"q\" name=\"q\" type=\"search\" value=\"")
	w.text(v.Query)
	w.raw(`" placeholder="`)
	w.t("nav.search")
	w.raw("\">\n    </form>\n    ")
	if v.Me != nil {
		w.raw(`<a href="/notifications" class="bell quick">`)
		writeBell(w, v)
	}
	w.raw("\n    \n    <details class=\"menu\" data-menu>\n      <summary>" + iconMenu + "<span class=\"sr-only\">")
	w.t("nav.menu")
	w.raw("</span></summary>\n    <ul class=\"links\">\n    ")
	if v.Me != nil {
		w.raw("\n      <li><a href=\"/feed\">")
		w.t("nav.feed")
		w.raw("</a></li>\n      <li><a href=\"/bookmarks\">")
		w.t("nav.bookmarks")
		w.raw("</a></li>\n      <li><a href=\"/groups\">")
		w.t("nav.groups")
		w.raw("</a></li>\n      <li><a class=\"btn primary\" href=\"/pins/new\">")
		w.t("nav.newpin")
		w.raw("</a></li>\n      <li class=\"wide-only\"><a href=\"/notifications\" class=\"bell\">")
		writeBell(w, v)
		w.raw("</li>\n      <li><a href=\"/users/")
		w.raw(v.Me.ID.Hex())
		w.raw("\" class=\"me\"><img class=\"avatar sm\" src=\"")
		w.avatar(v.Me.Avatar)
		w.raw("\" alt=\"\" width=\"28\" height=\"28\"> ")
		w.text(v.Me.Nickname)
		w.raw("</a></li>\n      <li><form method=\"post\" action=\"/logout\">")
		writeCSRF(w, v.CSRF)
		w.raw("<button class=\"link\" type=\"submit\">")
		w.t("nav.logout")
		w.raw("</button></form></li>\n    ")
	} else {
		w.raw("\n      <li><a href=\"/login\">")
		w.t("nav.login")
		w.raw("</a></li>\n      <li><a class=\"btn primary\" href=\"/signup\">")
		w.t("nav.signup")
		w.raw("</a></li>\n    ")
	}
	w.raw("\n      <li class=\"lang\">")
	if v.Lang == "ko" {
		w.raw(`<a href="/lang/en?next=`)
		w.query(v.Path)
		w.raw(`" hreflang="en" lang="en" rel="nofollow">English</a>`)
	} else {
		w.raw(`<a href="/lang/ko?next=`)
		w.query(v.Path)
		w.raw(`" hreflang="ko" lang="ko" rel="nofollow">한국어</a>`)
	}
	w.raw("</li>\n    </ul>\n    </details>\n  </nav>\n</header>\n")
	if v.Flash != "" {
		w.raw(`<p class="flash" role="status">`)
		w.text(v.Flash)
		w.raw(`</p>`)
	}
	w.raw("\n<main id=\"main\" tabindex=\"-1\">\n")
	gp.content(w, v)
	w.raw("\n</main>\n<div class=\"toasts\" aria-live=\"polite\" data-toasts></div>\n")
	w.raw(w.ls.i18n)
	w.raw("\n</body>\n</html>")
}

const (
	iconMenu = `<svg class="icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z"/></svg>`
	iconBell = `<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg>`
	iconSave = `<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="currentColor" d="M6 2h12a1 1 0 0 1 1 1v19l-7-4-7 4V3a1 1 0 0 1 1-1z"/></svg>`
)

// writeBell is a notifications link's inside, after its <a>, to </a>.
func writeBell(w *htmlw, v *view) {
	w.raw(iconBell + `<span class="sr-only">`)
	w.t("nav.notifications")
	w.raw(`</span> <span class="badge" data-unread`)
	if v.Unread == 0 {
		w.raw(" hidden")
	}
	w.raw(">")
	w.num(v.Unread)
	w.raw("</span></a>")
}

// writeCSRF is the "csrf" partial.
func writeCSRF(w *htmlw, token string) {
	w.raw(`<input type="hidden" name="_csrf" value="`)
	w.text(token)
	w.raw(`">`)
}

// writeWord is the "word" partial: the label after a live count.
func writeWord(w *htmlw, key string, n int64) {
	w.raw(`<span data-word data-single="`)
	w.text(w.tr.Word(key, 1))
	w.raw(`" data-many="`)
	w.text(w.tr.Word(key, 2))
	w.raw(`">`)
	w.text(w.tr.Word(key, n))
	w.raw(`</span>`)
}

// writeFieldErr is the "fielderr" partial.
func writeFieldErr(w *htmlw, msg string) {
	if msg != "" {
		w.raw(`<p class="field-error" role="alert">`)
		w.text(msg)
		w.raw(`</p>`)
	}
}

// writeGrid is the "grid" partial.
func writeGrid(w *htmlw, v *view) {
	w.raw(`<div class="grid" data-grid`)
	if v.Source != "" {
		w.raw(` data-source="`)
		w.text(v.Source)
		w.raw(`"`)
	}
	if v.Next != "" {
		w.raw(` data-next="`)
		w.text(v.Next)
		w.raw(`"`)
	}
	w.raw(">\n")
	w.b = slices.Grow(w.b, 1200*len(v.Pins))
	for i := range v.Pins {
		if !writeCard(w, &v.Pins[i]) {
			w.ok = false
			return
		}
	}
	w.raw("\n</div>\n")
	if len(v.Pins) == 0 {
		w.raw(`<p class="empty">`)
		w.t("grid.empty")
		w.raw(`</p>`)
	}
	w.raw("\n")
	if v.MoreURL != "" {
		w.raw(`<p class="more"><a class="btn" href="`)
		w.linkURL(v.MoreURL)
		w.raw(`" data-more>`)
		w.t("grid.more")
		w.raw(`</a></p>`)
	}
	w.raw("\n")
	w.raw(w.ls.cardTemplate)
}

// writeBoard is the "board" partial, a group tile.
func writeBoard(w *htmlw, g *store.GroupView) {
	w.raw("<li class=\"board\">\n  <a href=\"/groups/")
	w.raw(g.ID.Hex())
	w.raw("\">\n    ")
	if !g.Image.IsZero() {
		w.raw(`<img class="board-cover" src="`)
		w.image(g.Image, media.ThumbWidth)
		w.raw("\" alt=\"\" width=\"236\" height=\"160\" loading=\"lazy\">\n    ")
	} else {
		w.raw(`<span class="collage" aria-hidden="true">`)
		for _, p := range g.Previews {
			w.raw(`<img src="`)
			w.image(p, media.ThumbWidth)
			w.raw(`" alt="" loading="lazy">`)
		}
		w.raw(`</span>`)
	}
	w.raw("\n    <strong>")
	w.text(g.Title)
	if g.Secret {
		w.raw(` <span class="tag">`)
		w.t("groups.secret")
		w.raw(`</span>`)
	}
	w.raw("</strong>\n    <span class=\"muted\">")
	w.text(w.tr.N("groups.pincount", g.PinCount))
	w.raw("</span>\n  </a>\n</li>")
}

// writeFollowButton is the "followbtn" partial for v.Profile.
func writeFollowButton(w *htmlw, v *view) {
	w.raw("\n")
	switch {
	case v.Me == nil:
		w.raw(`<a class="btn" href="/login?next=`)
		w.query(v.Path)
		w.raw(`">`)
		w.t("profile.follow")
		w.raw("</a>\n")
	case v.Me.ID != v.Profile.ID:
		id := v.Profile.ID.Hex()
		w.raw(`<form method="post" action="/users/`)
		w.raw(id)
		w.raw(`/follow" data-js="follow" data-user="`)
		w.raw(id)
		w.raw("\">\n  ")
		writeCSRF(w, v.CSRF)
		w.raw(`<input type="hidden" name="next" value="`)
		w.text(v.Path)
		w.raw(`"><input type="hidden" name="on" value="`)
		following := v.Profile.IsFollowing
		if following {
			w.raw("0")
		} else {
			w.raw("1")
		}
		w.raw("\">\n  <button type=\"submit\" class=\"btn")
		if !following {
			w.raw(" primary")
		}
		w.raw(`" aria-pressed="`)
		w.bool(following)
		w.raw(`" data-on="`)
		w.raw(w.ls.followOn)
		w.raw(`" data-off="`)
		w.raw(w.ls.followOff)
		w.raw(`">`)
		if following {
			w.t("profile.unfollow")
		} else {
			w.t("profile.follow")
		}
		w.raw("</button>\n</form>")
	}
}

// writeComment is the "comment" partial of c as v's viewer sees it.
func writeComment(w *htmlw, c *store.CommentView, v *view) {
	id, author := c.ID.Hex(), c.Author.ID.Hex()
	w.raw(`<li class="comment" data-comment="`)
	w.raw(id)
	w.raw(`" data-author="`)
	w.raw(author)
	w.raw("\">\n  <a class=\"who\" href=\"/users/")
	w.raw(author)
	w.raw(`"><img class="avatar xs" src="`)
	w.avatar(c.Author.Avatar)
	w.raw(`" alt="" width="24" height="24"> <strong>`)
	w.text(c.Author.Nickname)
	w.raw("</strong></a>\n  <p>")
	w.text(c.Content)
	w.raw("</p>\n  <time class=\"muted\" datetime=\"")
	w.text(isoTime(c.CreatedAt))
	w.raw(`">`)
	w.text(w.tr.Date(c.CreatedAt))
	w.raw("</time>\n  ")
	if v.Me != nil && v.Me.ID == c.Author.ID {
		w.raw(`<form method="post" action="/comments/`)
		w.raw(id)
		w.raw(`/delete" data-js="uncomment">`)
		writeCSRF(w, v.CSRF)
		w.raw(`<button class="link danger" type="submit">`)
		w.t("action.delete")
		w.raw(`</button></form>`)
	}
	w.raw("\n</li>")
}

// newStatics is newLangStatic for every language, after parsePages.
func newStatics(f *fragments) (map[string]*langStatic, error) {
	out := map[string]*langStatic{}
	for _, lang := range languages {
		ls, err := newLangStatic(f, lang)
		if err != nil {
			return nil, err
		}
		out[lang] = ls
	}
	return out, nil
}
