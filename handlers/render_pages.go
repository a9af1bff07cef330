package handlers

import (
	"slices"

	"mypinterest/media"
)

// The "title" and "content" blocks of the pages written in Go (see
// render_html.go), each following its template in public/templates.

// home.html
func homeTitle(w *htmlw, v *view) {
	if v.Query != "" {
		w.text(w.tr.Tf("home.results", v.Query))
	} else {
		w.t("home.title")
	}
}

func homeContent(w *htmlw, v *view) {
	w.raw("\n<h1 class=\"sr-only\">")
	homeTitle(w, v)
	w.raw("</h1>\n")
	if v.Me == nil {
		w.raw(`<p class="hello">`)
		w.t("home.anon")
		w.raw(` <a href="/signup">`)
		w.t("nav.signup")
		w.raw(`</a> · <a href="/login">`)
		w.t("nav.login")
		w.raw(`</a></p>`)
	}
	w.raw("\n")
	if v.Query != "" {
		w.raw(`<p class="results">`)
		w.text(w.tr.Tf("home.results", v.Query))
		w.raw(` <a href="/">`)
		w.t("home.clear")
		w.raw(`</a></p>`)
	} else {
		w.raw("\n<button type=\"button\" class=\"banner\" data-newpins hidden></button>")
	}
	w.raw("\n")
	writeGrid(w, v)
	w.raw("\n")
}

// pinlist.html
func pinlistTitle(w *htmlw, v *view) { w.text(v.Heading) }

func pinlistContent(w *htmlw, v *view) {
	w.raw("\n<h1>")
	w.text(v.Heading)
	w.raw("</h1>\n")
	if v.Intro != "" {
		w.raw(`<p class="intro">`)
		w.text(v.Intro)
		w.raw(`</p>`)
	}
	w.raw("\n")
	writeGrid(w, v)
	w.raw("\n")
}

// groups.html
func groupsTitle(w *htmlw, _ *view) { w.t("groups.title") }

func groupsContent(w *htmlw, v *view) {
	w.raw("\n<div class=\"heading\"><h1>")
	w.t("groups.title")
	w.raw(`</h1> <a class="btn primary" href="/groups/new">`)
	w.t("groups.new")
	w.raw("</a></div>\n")
	if len(v.Groups) > 0 {
		w.raw("<ul class=\"boards\">\n")
		for i := range v.Groups {
			writeBoard(w, &v.Groups[i])
		}
		w.raw("\n</ul>")
	} else {
		w.raw(`<p class="empty">`)
		w.t("groups.empty")
		w.raw(`</p>`)
	}
	w.raw("\n")
}

// profile.html
func profileTitle(w *htmlw, v *view) { w.text(v.Profile.Nickname) }

func profileContent(w *htmlw, v *view) {
	u := v.Profile
	id := u.ID.Hex()
	w.raw("\n<header class=\"profile\" data-profile=\"")
	w.raw(id)
	w.raw("\">\n  <img class=\"avatar lg\" src=\"")
	w.avatar(u.Avatar)
	w.raw(`" alt="`)
	w.text(w.tr.Tf("profile.avataralt", u.Nickname))
	w.raw("\" width=\"96\" height=\"96\">\n  <div>\n    <h1>")
	w.text(u.Nickname)
	w.raw("</h1>\n    ")
	if u.Message != "" {
		w.raw(`<p class="content">`)
		w.text(u.Message)
		w.raw(`</p>`)
	}
	w.raw("\n    <ul class=\"stats\">\n      <li><strong>")
	w.num(u.PinCount)
	w.raw("</strong> ")
	w.text(w.tr.Word("profile.pinsword", u.PinCount))
	w.raw("</li>\n      <li><a href=\"/users/")
	w.raw(id)
	w.raw(`/followers"><strong data-count="followers" data-user="`)
	w.raw(id)
	w.raw(`">`)
	w.num(u.FollowerCount)
	w.raw("</strong> ")
	writeWord(w, "profile.followers", u.FollowerCount)
	w.raw("</a></li>\n      <li><a href=\"/users/")
	w.raw(id)
	w.raw(`/following"><strong>`)
	w.num(u.FollowingCount)
	w.raw("</strong> ")
	w.t("profile.following")
	w.raw("</a></li>\n    </ul>\n    <div class=\"buttons\">\n    ")
	if v.Me != nil && v.Me.ID == u.ID {
		w.raw("\n      <a class=\"btn\" href=\"/settings/profile\">")
		w.t("profile.edit")
		w.raw("</a>\n      <a class=\"btn danger\" href=\"/settings/delete\">")
		w.t("profile.delete")
		w.raw("</a>\n    ")
	} else {
		writeFollowButton(w, v)
	}
	w.raw("\n    </div>\n  </div>\n</header>\n")
	if len(v.Groups) > 0 {
		w.raw(`<h2>`)
		w.t("profile.groups")
		w.raw("</h2>\n<ul class=\"boards\">")
		for i := range v.Groups {
			writeBoard(w, &v.Groups[i])
		}
		w.raw(`</ul>`)
	}
	w.raw("\n<h2>")
	w.t("profile.pins")
	w.raw("</h2>\n")
	writeGrid(w, v)
	w.raw("\n")
}

// pin.html
func pinTitle(w *htmlw, v *view) { w.text(v.Pin.Title) }

func pinContent(w *htmlw, v *view) {
	p := v.Pin
	id, author := p.ID.Hex(), p.Author.ID.Hex()
	w.raw("\n<article class=\"detail\" data-pin-detail=\"")
	w.raw(id)
	w.raw(`" data-author="`)
	w.raw(author)
	w.raw("\">\n  <div class=\"detail-img\">\n    <img src=\"")
	w.image(p.Image, media.DetailWidth)
	w.raw(`" srcset="`)
	w.image(p.Image, media.ThumbWidth)
	w.raw(` 236w, `)
	w.image(p.Image, media.DetailWidth)
	w.raw(` 736w" sizes="(max-width: 800px) 100vw, 736px" width="`)
	w.num(int64(p.Image.Width))
	w.raw(`" height="`)
	w.num(int64(p.Image.Height))
	w.raw(`" alt="`)
	w.text(p.Title)
	w.raw("\">\n  </div>\n  <div class=\"detail-body\">\n    <h1>")
	w.text(p.Title)
	w.raw("</h1>\n    ")
	if p.Content != "" {
		w.raw(`<p class="content">`)
		w.text(p.Content)
		w.raw(`</p>`)
	}
	w.raw("\n    <p class=\"muted\"><time datetime=\"")
	w.text(isoTime(p.CreatedAt))
	w.raw(`">`)
	w.text(w.tr.Date(p.CreatedAt))
	w.raw(`</time>`)
	if g := v.Group; g != nil {
		w.raw(` · `)
		w.t("pin.ingroup")
		w.raw(` <a class="group-link" href="/groups/`)
		w.raw(g.ID.Hex())
		w.raw(`">`)
		w.text(g.Title)
		w.raw(`</a>`)
	}
	w.raw(" <span data-viewers hidden></span></p>\n\n    <section class=\"author\" aria-label=\"")
	w.t("pin.author")
	w.raw("\">\n      <a href=\"/users/")
	w.raw(author)
	w.raw(`" class="who"><img class="avatar" src="`)
	w.avatar(p.Author.Avatar)
	w.raw(`" alt="" width="48" height="48"> <strong>`)
	w.text(p.Author.Nickname)
	w.raw("</strong></a>\n      <a class=\"muted\" href=\"/users/")
	w.raw(author)
	w.raw(`/followers"><span data-count="followers" data-user="`)
	w.raw(author)
	w.raw(`">`)
	w.num(v.Profile.FollowerCount)
	w.raw(`</span> `)
	writeWord(w, "profile.followers", v.Profile.FollowerCount)
	w.raw("</a>\n      ")
	writeFollowButton(w, v)
	w.raw("\n    </section>\n\n    <div class=\"actions\">\n    ")
	if v.Me != nil {
		writeSaver(w, v)
	} else {
		w.raw(`<button class="btn primary" type="button" disabled>`)
		w.t("save.save")
		w.raw(`</button>`)
	}
	w.raw("\n    <span class=\"muted save-count\"><span data-count=\"saves\">")
	w.num(p.Counts.Saves)
	w.raw(`</span> `)
	writeWord(w, "pin.saves", p.Counts.Saves)
	w.raw("</span>\n    ")
	switch {
	case v.Me == nil:
		w.raw("\n      <button class=\"btn\" type=\"button\" disabled>♥ ")
		w.t("pin.like")
		w.raw(` <span data-count="likes">`)
		w.num(p.Counts.Likes)
		w.raw("</span></button>\n      <button class=\"btn\" type=\"button\" disabled>" + iconSave + " ")
		w.t("pin.bookmark")
		w.raw(` <span data-count="bookmarks">`)
		w.num(p.Counts.Bookmarks)
		w.raw("</span></button>\n      <p class=\"prompt\"><a href=\"/login?next=")
		w.query(v.Path)
		w.raw(`">`)
		w.t("pin.loginprompt")
		w.raw("</a></p>\n    ")
	case v.Me.ID == p.Author.ID:
		w.raw("\n      <span class=\"btn static\">♥ ")
		w.t("pin.likes")
		w.raw(` <span data-count="likes">`)
		w.num(p.Counts.Likes)
		w.raw("</span></span>\n      <span class=\"btn static\">" + iconSave + " ")
		w.t("pin.bookmarks")
		w.raw(` <span data-count="bookmarks">`)
		w.num(p.Counts.Bookmarks)
		w.raw("</span></span>\n      ")
		writeEditDelete(w, "/pins/"+id, "pin.confirmdelete", v.CSRF)
		w.raw("\n    ")
	default:
		w.raw("\n      <form method=\"post\" action=\"/pins/")
		w.raw(id)
		w.raw(`/like" data-js="like">`)
		writeCSRF(w, v.CSRF)
		w.raw(`<input type="hidden" name="on" value="`)
		writeToggle(w, p.LikedByMe)
		w.raw("\">\n        <button class=\"btn\" type=\"submit\" aria-pressed=\"")
		w.bool(p.LikedByMe)
		w.raw(`">♥ `)
		w.t("pin.like")
		w.raw(` <span data-count="likes">`)
		w.num(p.Counts.Likes)
		w.raw("</span></button></form>\n      <form method=\"post\" action=\"/pins/")
		w.raw(id)
		w.raw(`/bookmark" data-js="bookmark">`)
		writeCSRF(w, v.CSRF)
		w.raw(`<input type="hidden" name="on" value="`)
		writeToggle(w, p.BookmarkedByMe)
		w.raw("\">\n        <button class=\"btn\" type=\"submit\" aria-pressed=\"")
		w.bool(p.BookmarkedByMe)
		w.raw(`">` + iconSave + ` `)
		w.t("pin.bookmark")
		w.raw(` <span data-count="bookmarks">`)
		w.num(p.Counts.Bookmarks)
		w.raw("</span></button></form>\n    ")
	}
	w.raw("\n    </div>\n\n    <section class=\"comments\" aria-labelledby=\"comments-h\">\n      <h2 id=\"comments-h\">")
	w.t("pin.comments")
	w.raw(` (<span data-count="comments">`)
	w.num(p.Counts.Comments)
	w.raw("</span>)</h2>\n      <ol class=\"comment-list\" data-comments>\n      ")
	for i := range v.Comments {
		writeComment(w, &v.Comments[i], v)
	}
	w.raw("\n      </ol>\n      ")
	if v.CommentsNext != "" {
		w.raw(`<p><a href="?cursor=`)
		w.query(v.CommentsNext)
		w.raw(`">`)
		w.t("pin.morecomments")
		w.raw(`</a></p>`)
	}
	w.raw("\n      ")
	if v.Me != nil {
		w.raw("\n      <form method=\"post\" action=\"/pins/")
		w.raw(id)
		w.raw("/comments\" class=\"comment-form\" data-js=\"comment\">\n        ")
		writeCSRF(w, v.CSRF)
		w.raw("\n        <label for=\"comment-content\">")
		w.t("pin.addcomment")
		w.raw("</label>\n        <textarea id=\"comment-content\" name=\"content\" rows=\"3\" maxlength=\"2000\" required>")
		w.text(v.Form["content"])
		w.raw("</textarea>\n        ")
		writeFieldErr(w, v.Errors["content"])
		w.raw("\n        <button class=\"btn primary\" type=\"submit\">")
		w.t("pin.send")
		w.raw("</button>\n      </form>\n      ")
	}
	w.raw("\n    </section>\n  </div>\n</article>\n<section class=\"related\" aria-labelledby=\"related-h\">\n  <h2 id=\"related-h\">")
	w.t("related.title")
	w.raw("</h2>\n  ")
	writeGrid(w, v)
	w.raw("\n</section>\n")
	w.raw(w.ls.commentTemplate)
	if v.Me != nil {
		mine := slotComment(v.Me.ID)
		cw := &htmlw{tr: w.tr, ls: w.ls, ok: true}
		writeComment(cw, &mine, v)
		if !cw.ok {
			w.ok = false
		}
		w.raw(slottedHTML("comment-template-mine", string(cw.b), commentSlots(w.tr, mine)))
	}
	w.raw("\n")
}

// writeToggle is the value of a like or bookmark form's "on": the state
// the button switches to.
func writeToggle(w *htmlw, on bool) {
	if on {
		w.raw("0")
	} else {
		w.raw("1")
	}
}

// writeSaver is the "saver" partial, the pin page's Save picker.
func writeSaver(w *htmlw, v *view) {
	p := v.Pin
	id := p.ID.Hex()
	w.raw("\n<details class=\"saver\" id=\"save\" data-saver=\"")
	w.raw(id)
	w.raw(`"`)
	if v.Errors["save"] != "" || v.Errors["new_title"] != "" {
		w.raw(" open")
	}
	w.raw(">\n  <summary class=\"btn primary\">")
	w.t("save.save")
	w.raw("</summary>\n  <div class=\"saver-panel\">\n    <form method=\"post\" action=\"/pins/")
	w.raw(id)
	w.raw("/save\" data-js=\"save\">\n      ")
	writeCSRF(w, v.CSRF)
	w.raw("\n      <p class=\"saver-h\">")
	w.t("save.choose")
	w.raw("</p>\n      <ul class=\"saver-list\" data-saver-list>\n      ")
	for i := range v.Choices {
		g := &v.Choices[i]
		in := slices.Contains(p.SavedGroupIDs, g.ID)
		w.raw(`<li><button type="submit" name="`)
		if in {
			w.raw("unsave")
		} else {
			w.raw("save")
		}
		w.raw(`" value="`)
		w.raw(g.ID.Hex())
		w.raw(`" aria-pressed="`)
		w.bool(in)
		w.raw(`" data-title="`)
		w.text(g.Title)
		w.raw(`"><span>`)
		w.text(g.Title)
		if g.Secret {
			w.raw(` <span class="tag">`)
			w.t("groups.secret")
			w.raw(`</span>`)
		}
		w.raw(`</span> <span class="saved-mark">`)
		if in {
			w.t("save.saved")
		} else {
			w.t("save.save")
		}
		w.raw(`</span></button></li>`)
	}
	w.raw("\n      </ul>\n      ")
	writeFieldErr(w, v.Errors["save"])
	w.raw("\n    </form>\n    <form method=\"post\" action=\"/pins/")
	w.raw(id)
	w.raw("/save\" class=\"saver-new\" data-js=\"savenew\">\n      ")
	writeCSRF(w, v.CSRF)
	w.raw("\n      <label for=\"new-group-title\">")
	w.t("save.newgroup")
	w.raw("</label>\n      <input id=\"new-group-title\" name=\"new_title\" maxlength=\"50\" required value=\"")
	w.text(v.Form["new_title"])
	w.raw("\">\n      ")
	writeFieldErr(w, v.Errors["new_title"])
	w.raw("\n      <label class=\"check\"><input type=\"checkbox\" name=\"secret\" value=\"1\"> ")
	w.t("groups.secretbox")
	w.raw("</label>\n      <button class=\"btn\" type=\"submit\">")
	w.t("save.create")
	w.raw("</button>\n    </form>\n  </div>\n</details>")
}

// group.html
func groupTitle(w *htmlw, v *view) { w.text(v.Group.Title) }

func groupContent(w *htmlw, v *view) {
	g := v.Group
	id := g.ID.Hex()
	w.raw("\n<header class=\"group-head\">\n  ")
	if !g.Image.IsZero() {
		w.raw(`<img class="cover" src="`)
		w.image(g.Image, media.ThumbWidth)
		w.raw(`" alt="" width="120" height="120">`)
	}
	w.raw("\n  <div>\n    <h1>")
	w.text(g.Title)
	if g.Secret {
		w.raw(` <span class="tag">`)
		w.t("groups.secret")
		w.raw(`</span>`)
	}
	w.raw("</h1>\n    ")
	if g.Content != "" {
		w.raw(`<p class="content">`)
		w.text(g.Content)
		w.raw(`</p>`)
	}
	w.raw("\n    <p class=\"muted\">")
	w.t("groups.by")
	w.raw(` <a class="who" href="/users/`)
	w.raw(v.Profile.ID.Hex())
	w.raw(`"><img class="avatar xs" src="`)
	w.avatar(v.Profile.Avatar)
	w.raw(`" alt="" width="24" height="24"> `)
	w.text(v.Profile.Nickname)
	w.raw(`</a> · `)
	w.text(w.tr.N("groups.pincount", g.PinCount))
	w.raw("</p>\n    ")
	if v.Me != nil && v.Me.ID == g.OwnerID {
		w.raw("<div class=\"buttons\">\n      <a class=\"btn primary\" href=\"/pins/new?group=")
		w.raw(id)
		w.raw(`">`)
		w.t("nav.newpin")
		w.raw("</a>\n      ")
		writeEditDelete(w, "/groups/"+id, "groups.confirmdelete", v.CSRF)
		w.raw("\n    </div>")
	}
	w.raw("\n  </div>\n</header>\n")
	writeGrid(w, v)
	w.raw("\n")
}

// writeEditDelete writes the owner's edit link and delete form of what
// path names (a pin's or a group's), the deletion confirmed with the text
// of confirmKey.
func writeEditDelete(w *htmlw, path, confirmKey, csrf string) {
	w.raw(`<a class="btn" href="`)
	w.raw(path)
	w.raw(`/edit">`)
	w.t("action.edit")
	w.raw("</a>\n      <form method=\"post\" action=\"")
	w.raw(path)
	w.raw(`/delete" data-confirm="`)
	w.t(confirmKey)
	w.raw(`">`)
	writeCSRF(w, csrf)
	w.raw(`<button class="btn danger" type="submit">`)
	w.t("action.delete")
	w.raw("</button></form>")
}
