package handlers

import (
	"html/template"
	"strconv"
	"strings"
	"unicode/utf8"

	"mypinterest/store"
)

// cardHTML writes the "pincard" partial of public/templates/partials.html
// without html/template: executing it cost ~100 µs of reflection per card,
// most of a grid page's CPU whenever the fragment cache misses (a cache
// sized for a working set, not for every pin). It escapes as html/template
// does; TestCardHTMLMatchesTemplate holds it byte for byte to the
// template, which stays the reference. ok is false when a URL holds a
// character the template's URL normaliser would change: the caller then
// executes the template.
func cardHTML(tr translator, p *store.PinView) (html template.HTML, ok bool) {
	var b strings.Builder
	if !writeCard(&b, tr, p) {
		return "", false
	}
	return template.HTML(b.String()), true
}

// writeCard is cardHTML appending to b; it writes nothing when it
// returns false.
func writeCard(b *strings.Builder, tr translator, p *store.PinView) bool {
	id := p.ID.Hex()
	thumb, detail, avatar := thumbURL(p.Image), detailURL(p.Image), avatarURL(p.Author.Avatar)
	if !plainURL(thumb) || !plainURL(detail) || !plainURL(avatar) {
		return false
	}
	save, likes := tr.T("save.save"), tr.T("pin.likes")
	b.Grow(1024)
	w := b.WriteString
	w(`<article class="card" data-pin="`)
	w(id)
	w("\">\n  <a class=\"card-img\" href=\"/pins/")
	w(id)
	w("\">\n    <img src=\"")
	w(thumb)
	w(`" srcset="`)
	w(thumb)
	w(` 236w, `)
	w(detail)
	w(` 736w" sizes="(max-width: 540px) 46vw, 236px" width="`)
	w(strconv.Itoa(p.Image.Width))
	w(`" height="`)
	w(strconv.Itoa(p.Image.Height))
	w(`" alt="`)
	escapeHTML(b, p.Title)
	w("\" loading=\"lazy\" decoding=\"async\">\n  </a>\n  <a class=\"btn primary card-save\" href=\"/pins/")
	w(id)
	w(`#save" data-save-pin="`)
	w(id)
	w(`">`)
	escapeHTML(b, save)
	w(`<span class="sr-only">: `)
	escapeHTML(b, p.Title)
	w("</span></a>\n  <div class=\"card-body\">\n    <a class=\"card-title\" href=\"/pins/")
	w(id)
	w(`">`)
	escapeHTML(b, p.Title)
	w("</a>\n    <div class=\"card-meta\">\n      <a class=\"who\" href=\"/users/")
	w(p.Author.ID.Hex())
	w(`"><img class="avatar xs" src="`)
	w(avatar)
	w(`" alt="" width="20" height="20"> `)
	escapeHTML(b, p.Author.Nickname)
	w("</a>\n      <span class=\"count\" title=\"")
	escapeHTML(b, likes)
	w(`"><span aria-hidden="true">♥</span> <span class="sr-only">`)
	escapeHTML(b, likes)
	w(`</span> `)
	w(strconv.FormatInt(p.Counts.Likes, 10))
	w("</span>\n    </div>\n  </div>\n</article>")
	return true
}

// plainURL reports whether html/template would print u unchanged in a
// src, href or srcset attribute: a path of letters, digits and / . _ -.
func plainURL(u string) bool {
	if !strings.HasPrefix(u, "/") {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// escapeHTML writes s as html/template escapes text and quoted attribute
// values.
func escapeHTML(b *strings.Builder, s string) {
	last := 0
	for i, r := range s {
		var rep string
		switch r {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + utf8.RuneLen(r)
	}
	b.WriteString(s[last:])
}
