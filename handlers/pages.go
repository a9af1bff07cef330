package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/media"
	"mypinterest/public"
	"mypinterest/store"
)

// This file holds what every server-rendered page shares: the templates,
// the data a template receives, rendering, flash messages and the HTML
// error page. The pages themselves are in pages_*.go.

// view is the data of every page template. One flat struct keeps the
// templates simple: a page fills the fields it shows and leaves the rest
// zero.
type view struct {
	// Set by newView for every page.
	Lang   string
	Me     *store.User
	Unread int64
	CSRF   string
	Flash  string
	Path   string // this page's path and query, the target of "log in" and the language switch
	Static string // prefix of the versioned static assets
	Query  string // the search box
	Topics []string

	// Forms: the values to show again and a translated reason per field.
	Form    map[string]string
	Errors  map[string]string
	Message string

	// Lists of pins: the first page, its cursor, and the JSON API path the
	// script fetches further pages from.
	Pins    []store.PinView
	Next    string
	Source  string
	MoreURL string // the no-JavaScript "More" link

	Heading, Intro string
	Status         int

	Pin          *store.PinView
	Comments     []store.CommentView
	CommentsNext string
	Profile      *store.Profile
	Groups       []store.GroupView
	Choices      []store.Group // the viewer's groups, for the Save picker and the pin form
	Group        *store.GroupView
	Notes        []store.NotificationView
	People       []store.Card
	Tab          string   // the search page's open tab
	Tabs         []string // the search page's tabs
}

// web serves the pages. It wraps the API's server, whose store, auth and
// publishing helpers the pages share, and adds the parsed templates.
type web struct {
	*server
	// tpl maps a language, then a page name, to its template; it is
	// filled once at start-up and only read afterwards.
	tpl map[string]map[string]*template.Template
	// pages keeps what signed-out visitors are shown; see pageCache.
	pages *pageCache
	// static holds, per language, what the pages written in Go repeat
	// (see render_html.go); filled at start-up and only read afterwards.
	static map[string]*langStatic
}

// parsePages parses every template in every language. A parse error or a
// page without its blocks is returned, which stops start-up.
func parsePages(frag *fragments) (map[string]map[string]*template.Template, error) {
	shared := template.FuncMap{
		"thumb":  thumbURL,
		"detail": detailURL,
		"avatar": avatarURL,
		"iso":    isoTime,
		"join":   strings.Join,
		"dict":   dict,
		"has":    slices.Contains[[]bson.ObjectID],
	}
	out := map[string]map[string]*template.Template{}
	for _, lang := range languages {
		fm := newTranslator(lang).funcs(shared)
		for name, fn := range frag.funcs(lang) {
			fm[name] = fn
		}
		ts, err := public.ParseTemplates(fm)
		if err != nil {
			return nil, err
		}
		out[lang] = ts
	}
	frag.tpl = out
	return out, nil
}

// detailURL is the 736 px variant the detail page and srcset use.
func detailURL(img store.ImageRef) string { return "/media/" + media.DetailName(img) }

// dict builds a map from key, value pairs, so that a template can pass a
// partial more than one value.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// staticPrefix is the versioned prefix of the static assets, made once.
var staticPrefix = sync.OnceValue(func() string { return "/static/v/" + public.Version() })

// newView fills what every page shows: language, the signed-in user and
// their unread count (for the badge), the CSRF token for the forms and
// the flash message left by the previous request.
func (w *web) newView(c *fiber.Ctx) (*view, error) {
	v := &view{
		Lang:   langOf(c),
		Me:     auth(c).user,
		CSRF:   csrfToken(c),
		Path:   string(c.Request().URI().RequestURI()),
		Static: staticPrefix(),
		Query:  strings.TrimSpace(c.Query("q")),
		Form:   map[string]string{},
		Errors: map[string]string{},
	}
	if key := takeFlash(c); key != "" {
		v.Flash = newTranslator(v.Lang).T("flash." + key)
	}
	if v.Me != nil {
		v.Topics = append(v.Topics, userTopic(v.Me.ID))
		v.Unread = auth(c).unread
		if v.Unread < 0 { // not read along with the user
			unread, err := w.store.UnreadCount(c.UserContext(), v.Me.ID)
			if err != nil {
				return nil, err
			}
			v.Unread = unread
		}
	}
	return v, nil
}

// userView is newView for pages that need a signed-in user: without one
// it returns the refusal (401 in the usual case) before building a view.
func (w *web) userView(c *fiber.Ctx) (*store.User, *view, error) {
	u, err := requireUser(c)
	if err != nil {
		return nil, nil, err
	}
	v, err := w.newView(c)
	if err != nil {
		return nil, nil, err
	}
	return u, v, nil
}

// renderSignedIn renders page, which needs nothing beyond the common
// view, for signed-in users only.
func (w *web) renderSignedIn(c *fiber.Ctx, page string) error {
	_, v, err := w.userView(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, page, v)
}

// t translates key in the language of v.
func (v *view) t(key string) string { return newTranslator(v.Lang).T(key) }

// fail records why a form was refused: a translated reason per field and
// a general message. Errors that are not about the form are returned, for
// the error page.
func (v *view) fail(err error) error {
	var se *store.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case store.EInvalid, store.EConflict, store.EMalformed:
	case store.ETooLarge, store.EUnsupported:
		if se.Reason.Code == "" {
			return err // not an upload media refused
		}
	default:
		return err
	}
	tr := newTranslator(v.Lang)
	for f, why := range se.Fields {
		v.Errors[f] = tr.Reason(f, why)
	}
	if in, ok := reasonInput[se.Reason.Code]; ok {
		v.Errors[in] = tr.Reason(in, se.Reason)
	}
	switch {
	case len(v.Errors) > 0:
		v.Message = tr.T("form.invalid")
	case se.Reason.Code != "":
		v.Message = tr.Reason("", se.Reason)
	default:
		v.Message = se.Message // no code to translate: English beats nothing
	}
	return nil
}

// textErrors adds the reasons a form's title and content are refused to
// those already found. An image form stops at a bad image before the
// store sees the text, which would otherwise leave an empty title
// unmentioned until the next attempt: every field's error shows at once.
func (v *view) textErrors() {
	f := store.Fields{}
	store.LimitRunes(f, "title", strings.TrimSpace(v.Form["title"]), true, store.MaxTitleRunes)
	store.LimitRunes(f, "content", strings.TrimSpace(v.Form["content"]), false, store.MaxContentRunes)
	tr := newTranslator(v.Lang)
	for field, why := range f {
		if _, ok := v.Errors[field]; !ok {
			v.Errors[field] = tr.Reason(field, why)
		}
	}
	if len(v.Errors) > 0 {
		v.Message = tr.T("form.invalid")
	}
}

// renderRefused shows a form page again, 422, with why err refused it
// (see fail); an error that is not about the form is returned instead.
func (w *web) renderRefused(c *fiber.Ctx, v *view, page string, err error) error {
	if err := v.fail(err); err != nil {
		return err
	}
	if page == "pin_form" || page == "group_form" {
		v.textErrors()
	}
	return w.render(c, http.StatusUnprocessableEntity, page, v)
}

// render writes page with v. It renders into a buffer first so that a
// template failure becomes a clean 500 rather than half a page.
func (w *web) render(c *fiber.Ctx, status int, page string, v *view) error {
	t := w.tpl[v.Lang][page]
	if t == nil {
		return fmt.Errorf("pages: no template %q", page)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	// Pages differ per user and carry a CSRF token: never share them.
	c.Set(fiber.HeaderCacheControl, "no-store")
	key, shared := w.pages.key(page, v)
	if shared {
		if html, ok := w.pages.get(key); ok {
			return c.Status(status).Send(html)
		}
	}
	if hw, ok := w.writePage(page, v); ok {
		if shared {
			w.pages.put(key, bytes.Clone(hw.b))
		}
		c.Status(status).Response().SetBody(hw.b) // a copy: hw goes back to the pool
		release(hw)
		return nil
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("pages: render %s: %w", page, err)
	}
	if shared {
		w.pages.put(key, buf.Bytes())
	}
	return c.Status(status).Send(buf.Bytes())
}

// flashCookie carries a message key (never text) across one redirect.
const flashCookie = "flash"

// redirect sends the browser to target with a flash message (a key of
// catalog under "flash."); 303 makes the browser follow with a GET.
func (w *web) redirect(c *fiber.Ctx, target, flash string) error {
	if flash != "" {
		c.Cookie(&fiber.Cookie{
			Name: flashCookie, Value: flash, Path: "/", MaxAge: 60,
			HTTPOnly: true, Secure: w.cfg.CookieSecure, SameSite: fiber.CookieSameSiteLaxMode,
		})
	}
	if c.Get("X-Requested-With") == "XMLHttpRequest" {
		// upload.js sends forms by XHR, which would follow a redirect
		// itself and so use up the flash before the browser navigates.
		// It gets the target instead and navigates on its own.
		c.Set("X-Location", target)
		return c.SendStatus(http.StatusNoContent)
	}
	return c.Redirect(target, http.StatusSeeOther)
}

// takeFlash returns the pending flash key and clears it.
func takeFlash(c *fiber.Ctx) string {
	key := c.Cookies(flashCookie)
	if key == "" {
		return ""
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true})
	if _, ok := catalog[languages[0]]["flash."+key]; !ok {
		return ""
	}
	return key
}

// localPath returns next when it is a path on this site, else "/": a
// "next" parameter must not send anyone to another site after logging in.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// renderError is the HTML error page, installed as server.pageError so
// that every error outside /api on a page route is shown as a page.
func (w *web) renderError(c *fiber.Ctx, status int, _ *store.Error) error {
	if status == http.StatusUnauthorized && c.Method() == fiber.MethodGet {
		// A page that needs a user sends visitors to log in and back.
		return c.Redirect("/login?next="+url.QueryEscape(string(c.Request().URI().RequestURI())), http.StatusSeeOther)
	}
	v, err := w.newView(c)
	if err != nil {
		// The database is what failed: show the page without the badge.
		v = &view{Lang: langOf(c), Me: auth(c).user, CSRF: csrfToken(c), Static: staticPrefix()}
	}
	key := fmt.Sprintf("error.%d", status)
	if _, ok := catalog[languages[0]][key]; !ok {
		key = "error.400"
		if status >= 500 {
			key = "error.500"
		}
	}
	v.Status, v.Heading, v.Intro = status, v.t(key), v.t(key+".text")
	return w.render(c, status, "error", v)
}

// registerStatic serves the assets: under a versioned prefix cached for a
// year (the prefix changes with any file), and unversioned at /static for
// the default avatar URL the API hands out, revalidated every time.
func registerStatic(app *fiber.App) {
	root := http.FS(public.Static())
	app.Use("/static/v/"+public.Version(), func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: root}))
	app.Use("/static", filesystem.New(filesystem.Config{Root: root, MaxAge: 0}))
}
