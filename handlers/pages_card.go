package handlers

import (
	"html/template"
	"strconv"

	"mypinterest/media"
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
	w := &htmlw{tr: tr, b: make([]byte, 0, 1024)}
	if !writeCard(w, p) {
		return "", false
	}
	return template.HTML(w.b), true
}

// writeCard is cardHTML appending to w; it writes nothing when it returns
// false.
func writeCard(w *htmlw, p *store.PinView) bool {
	if p.Image.IsZero() || !plainPath(p.Image.Key) || !p.Author.Avatar.IsZero() && !plainPath(p.Author.Avatar.Key) {
		return false
	}
	id := p.ID.Hex()
	w.raw(`<article class="card" data-pin="`)
	w.raw(id)
	w.raw("\">\n  <a class=\"card-img\" href=\"/pins/")
	w.raw(id)
	w.raw("\">\n    <img src=\"")
	w.variant(p.Image, media.ThumbWidth)
	w.raw(`" srcset="`)
	w.variant(p.Image, media.ThumbWidth)
	w.raw(` 236w, `)
	w.variant(p.Image, media.DetailWidth)
	w.raw(` 736w" sizes="(max-width: 540px) 46vw, 236px" width="`)
	w.num(int64(p.Image.Width))
	w.raw(`" height="`)
	w.num(int64(p.Image.Height))
	w.raw(`" alt="`)
	w.text(p.Title)
	w.raw("\" loading=\"lazy\" decoding=\"async\">\n  </a>\n  <a class=\"btn primary card-save\" href=\"/pins/")
	w.raw(id)
	w.raw(`#save" data-save-pin="`)
	w.raw(id)
	w.raw(`">`)
	w.t("save.save")
	w.raw(`<span class="sr-only">: `)
	w.text(p.Title)
	w.raw("</span></a>\n  <div class=\"card-body\">\n    <a class=\"card-title\" href=\"/pins/")
	w.raw(id)
	w.raw(`">`)
	w.text(p.Title)
	w.raw("</a>\n    <div class=\"card-meta\">\n      <a class=\"who\" href=\"/users/")
	w.raw(p.Author.ID.Hex())
	w.raw(`"><img class="avatar xs" src="`)
	if p.Author.Avatar.IsZero() {
		w.raw(defaultAvatarURL)
	} else {
		w.variant(p.Author.Avatar, media.ThumbWidth)
	}
	w.raw(`" alt="" width="20" height="20"> `)
	w.text(p.Author.Nickname)
	w.raw("</a>\n      <span class=\"count\" title=\"")
	likes := w.tr.T("pin.likes")
	w.text(likes)
	w.raw(`"><span aria-hidden="true">♥</span> <span class="sr-only">`)
	w.text(likes)
	w.raw(`</span> `)
	w.num(p.Counts.Likes)
	w.raw("</span>\n    </div>\n  </div>\n</article>")
	return true
}

// variant writes the URL of ref's variant width wide, as thumbURL and
// detailURL make it (media.ThumbName, media.DetailName), without
// formatting a string.
func (w *htmlw) variant(ref store.ImageRef, width int) {
	w.raw("/media/")
	w.raw(ref.Key)
	w.raw("/")
	w.b = strconv.AppendInt(w.b, int64(width), 10)
	if ref.Alpha {
		w.raw(".png")
	} else {
		w.raw(".jpg")
	}
}

// image writes the URL of ref's variant width wide where a src begins:
// thumbURL or detailURL, or the page goes to the template when the
// template would change it.
func (w *htmlw) image(ref store.ImageRef, width int) {
	if ref.IsZero() || !plainPath(ref.Key) {
		w.ok = false
	}
	w.variant(ref, width)
}

// avatar writes avatarURL(ref) where a src begins.
func (w *htmlw) avatar(ref store.ImageRef) {
	if ref.IsZero() {
		w.raw(defaultAvatarURL)
		return
	}
	w.image(ref, media.ThumbWidth)
}

// plainURL reports whether html/template would print u unchanged in a
// src, href or srcset attribute: a path of letters, digits and / . _ -.
func plainURL(u string) bool {
	return len(u) > 0 && u[0] == '/' && plainPath(u)
}

// plainPath reports whether u is made of letters, digits and / . _ - only.
func plainPath(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// appendEscaped appends s as html/template escapes text and quoted
// attribute values.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch c := s[i]; c {
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
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		last = i + 1
	}
	return append(b, s[last:]...)
}
