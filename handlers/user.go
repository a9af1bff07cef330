package handlers

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

type patchMeRequest struct {
	Message *string `json:"message"`
}

// handlePatchMe changes the signed-in user's message. The user is always
// the one the token names: there is no id to point at someone else.
func (s *server) handlePatchMe(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	var req patchMeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err = s.updateProfile(c.UserContext(), u, profileChange{Message: req.Message})
	if err != nil {
		return err
	}
	return c.JSON(selfView(u))
}

// handlePutAvatar stores the uploaded image and makes it the avatar.
func (s *server) handlePutAvatar(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	img, err := s.formImage(c)
	if err != nil {
		return err
	}
	if img == nil {
		return store.FieldError("image", store.Reason{Code: store.ReasonRequired})
	}
	u, err = s.updateProfile(c.UserContext(), u, profileChange{Avatar: img})
	if err != nil {
		return err
	}
	return c.JSON(selfView(u))
}

type deleteMeRequest struct {
	Password string `json:"password"`
}

// handleDeleteMe removes the account and everything it owns once the
// password is confirmed, then ends the session.
func (s *server) handleDeleteMe(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	var req deleteMeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.deleteAccount(c, u, req.Password); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *server) handleGetUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.FindProfile(c.UserContext(), id, viewer(c))
	if err != nil {
		return err
	}
	return c.JSON(profileView(p))
}

type followJSON struct {
	Following     bool  `json:"following"`
	FollowerCount int64 `json:"follower_count"`
	Rev           int64 `json:"rev,omitempty"`
}

func (s *server) handleFollow(c *fiber.Ctx) error { return s.setFollow(c, true) }

func (s *server) handleUnfollow(c *fiber.Ctx) error { return s.setFollow(c, false) }

func (s *server) setFollow(c *fiber.Ctx, on bool) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	st, err := s.followUser(c.UserContext(), u.ID, id, on)
	if err != nil {
		return err
	}
	return c.JSON(followJSON{Following: st.Following, FollowerCount: st.FollowerCount, Rev: st.Revision})
}

func (s *server) handleFollowers(c *fiber.Ctx) error {
	return s.listCards(c, s.store.FindFollowers)
}

func (s *server) handleFollowing(c *fiber.Ctx) error {
	return s.listCards(c, s.store.FindFollowing)
}

// listCards answers a follow list of a user (the store answers 404 for an
// unknown one).
func (s *server) listCards(c *fiber.Ctx, find func(ctx context.Context, id bson.ObjectID, p store.Page) ([]store.Card, *string, error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	cards, next, err := find(c.UserContext(), id, p)
	if err != nil {
		return err
	}
	return c.JSON(newList(cards, next, cardView))
}

// handleUserPins lists a user's pins; an unknown user is the store's 404.
func (s *server) handleUserPins(c *fiber.Ctx) error {
	return s.listPinsOf(c, func(ctx context.Context, id, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
		return s.store.FindPins(ctx, store.PinQuery{AuthorID: id}, viewer, p)
	})
}

func (s *server) handleBookmarks(c *fiber.Ctx) error {
	return s.listOwnPins(c, s.store.FindBookmarkedPins)
}
