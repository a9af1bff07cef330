package handlers

import (
	"github.com/gofiber/fiber/v2"

	"mypinterest/handlers/wsadapt"
)

// routes registers every route of the app: the machine endpoints, the JSON
// API (docs/API.md), the WebSocket (docs/LIVE.md) and the pages (docs/API.md
// §Pages, pages_routes.go).
func (s *server) routes(app *fiber.App) error {
	app.Get("/healthz", s.handleHealthz)
	app.Get("/readyz", s.handleReadyz)
	app.Get("/media/*", mediaHandler(s.store))
	if s.ws != nil {
		// The hub caps connections per client address: give it the one
		// the rate limits use, not the proxy's.
		app.Get("/ws", wsadapt.HandlerWithClientIP(s.ws, clientIP))
	}

	api := app.Group("/api/v1", s.authenticate)

	auth := api.Group("/auth")
	if lim := s.authLimiter(); lim != nil {
		auth.Post("/signup", lim, s.handleSignup)
		auth.Post("/login", lim, s.handleLogin)
	} else {
		auth.Post("/signup", s.handleSignup)
		auth.Post("/login", s.handleLogin)
	}
	auth.Post("/logout", s.handleLogout)

	api.Get("/me", s.handleMe)
	api.Patch("/me", s.handlePatchMe)
	if lim := s.deleteLimiter(); lim != nil {
		api.Delete("/me", lim, s.handleDeleteMe)
	} else {
		api.Delete("/me", s.handleDeleteMe)
	}
	api.Put("/me/avatar", s.handlePutAvatar)
	api.Get("/me/bookmarks", s.handleBookmarks)

	api.Get("/users/:id", s.handleGetUser)
	api.Put("/users/:id/follow", s.handleFollow)
	api.Delete("/users/:id/follow", s.handleUnfollow)
	api.Get("/users/:id/followers", s.handleFollowers)
	api.Get("/users/:id/following", s.handleFollowing)
	api.Get("/users/:id/pins", s.handleUserPins)
	api.Get("/users/:id/groups", s.handleUserGroups)

	api.Get("/groups", s.handleListGroups)
	api.Post("/groups", s.handleCreateGroup)
	api.Get("/groups/:id", s.handleGetGroup)
	api.Patch("/groups/:id", s.handlePatchGroup)
	api.Delete("/groups/:id", s.handleDeleteGroup)
	api.Get("/groups/:id/pins", s.handleGroupPins)

	api.Get("/pins", s.handleListPins)
	api.Post("/pins", s.handleCreatePin)
	api.Get("/pins/:id", s.handleGetPin)
	api.Patch("/pins/:id", s.handlePatchPin)
	api.Delete("/pins/:id", s.handleDeletePin)
	api.Put("/pins/:id/like", s.handleLike)
	api.Delete("/pins/:id/like", s.handleUnlike)
	api.Put("/pins/:id/bookmark", s.handleBookmark)
	api.Delete("/pins/:id/bookmark", s.handleUnbookmark)
	api.Put("/pins/:id/saves/:group_id", s.handleSave)
	api.Delete("/pins/:id/saves/:group_id", s.handleUnsave)
	api.Get("/pins/:id/related", s.handleRelatedPins)
	api.Get("/pins/:id/comments", s.handleComments)
	api.Post("/pins/:id/comments", s.handleCreateComment)
	api.Delete("/comments/:id", s.handleDeleteComment)

	api.Get("/search/users", s.handleSearchUsers)
	api.Get("/search/groups", s.handleSearchGroups)

	api.Get("/feed", s.handleFeed)
	api.Get("/notifications", s.handleNotifications)
	api.Post("/notifications/read", s.handleMarkRead)

	// Pages come last so that no page route can shadow an API one.
	return s.registerPages(app)
}
