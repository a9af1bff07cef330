package handlers

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// registerPages parses the templates (failing start-up when one is
// broken), installs the HTML error page and registers the static assets
// and every page of docs/API.md §Pages. It runs after the API routes, so /api paths
// never reach a page handler. State changes are POST forms only; the
// csrfMiddleware installed before all routes checks their token.
func (s *server) registerPages(app *fiber.App) error {
	frag := newFragments(cacheShare(s.cfg.CacheBytes))
	tpl, err := parsePages(frag)
	if err != nil {
		return err
	}
	static, err := newStatics(frag)
	if err != nil {
		return err
	}
	w := &web{server: s, tpl: tpl, pages: newPageCache(cacheShare(s.cfg.CacheBytes)), static: static}
	s.pageError = w.renderError
	registerStatic(app)

	get := func(path string, h fiber.Handler) { app.Get(path, s.authenticate, h) }
	post := func(path string, h fiber.Handler) { app.Post(path, s.authenticate, h) }

	get("/", w.handleHome)
	get("/feed", w.handleFeedPage)
	get("/bookmarks", w.handleBookmarksPage)
	get("/lang/:code", w.handleLang)
	get("/search", w.handleSearchPage)

	get("/pins/new", w.handleNewPin)
	post("/pins", w.handleCreatePinForm)
	get("/pins/:id", w.handlePinPage)
	get("/pins/:id/edit", w.handleEditPin)
	post("/pins/:id/edit", w.handleUpdatePinForm)
	post("/pins/:id/delete", w.handleDeletePinForm)
	post("/pins/:id/like", w.handleLikeForm)
	post("/pins/:id/bookmark", w.handleBookmarkForm)
	post("/pins/:id/comments", w.handleCommentForm)
	post("/pins/:id/save", w.handleSaveForm)
	get("/pins/:id/related", w.handleRelatedPage)
	post("/comments/:id/delete", w.handleDeleteCommentForm)

	get("/groups", w.handleGroupsPage)
	get("/groups/new", w.handleNewGroup)
	post("/groups", w.handleCreateGroupForm)
	get("/groups/:id", w.handleGroupPage)
	get("/groups/:id/edit", w.handleEditGroup)
	post("/groups/:id/edit", w.handleUpdateGroupForm)
	post("/groups/:id/delete", w.handleDeleteGroupForm)

	get("/users/:id", w.handleProfilePage)
	get("/users/:id/followers", w.handleFollowersPage)
	get("/users/:id/following", w.handleFollowingPage)
	post("/users/:id/follow", w.handleFollowForm)
	get("/settings/profile", w.handleEditProfile)
	post("/settings/profile", w.handleUpdateProfileForm)
	get("/settings/delete", w.handleDeleteAccount)
	if lim := s.deleteLimiter(); lim != nil {
		app.Post("/settings/delete", s.authenticate, lim, w.handleDeleteAccountForm)
	} else {
		post("/settings/delete", w.handleDeleteAccountForm)
	}
	get("/notifications", w.handleNotificationsPage)
	post("/notifications/read", w.handleMarkReadForm)

	get("/signup", w.handleSignupPage)
	get("/login", w.handleLoginPage)
	if lim := s.authLimiter(); lim != nil {
		app.Post("/signup", lim, s.authenticate, w.handleSignupForm)
		app.Post("/login", lim, s.authenticate, w.handleLoginForm)
	} else {
		post("/signup", w.handleSignupForm)
		post("/login", w.handleLoginForm)
	}
	post("/logout", w.handleLogoutForm)
	return nil
}

// handleLang sets the language cookie and goes back to the page the
// switch was clicked on (see langCookie for why a link suffices).
func (w *web) handleLang(c *fiber.Ctx) error {
	code := c.Params("code")
	if catalog[code] == nil {
		return fiber.ErrNotFound
	}
	c.Cookie(&fiber.Cookie{
		Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		Expires: time.Now().AddDate(1, 0, 0), Secure: w.cfg.CookieSecure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return c.Redirect(localPath(c.Query("next")), http.StatusSeeOther)
}
