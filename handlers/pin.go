package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Pins are public to read; only their author changes them (the store
// answers 403 otherwise).

// handleListPins is the grid: newest first, searched by q.
func (s *server) handleListPins(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	q := store.PinQuery{Query: strings.TrimSpace(c.Query("q"))}
	pins, next, err := s.store.FindPins(c.UserContext(), q, viewer(c), p)
	if err != nil {
		return err
	}
	return s.sendPinList(c, pins, next)
}

func (s *server) handleFeed(c *fiber.Ctx) error {
	return s.listOwnPins(c, s.store.FindFeed)
}

// ownPinsFunc loads one page of pins that belong to a user's own view:
// the feed, the bookmarks.
type ownPinsFunc func(ctx context.Context, user bson.ObjectID, p store.Page) ([]store.PinView, *string, error)

// listOwnPins answers one page of the signed-in user's pins from find.
func (s *server) listOwnPins(c *fiber.Ctx, find ownPinsFunc) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	pins, next, err := find(c.UserContext(), u.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(newList(pins, next, pinView))
}

// handleCreatePin takes a multipart form: title, content, group_id, image.
func (s *server) handleCreatePin(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if !isMultipart(c) {
		return store.Errorf(store.EMalformed, "Send a multipart form with title, content, group_id and image.")
	}
	title, content, err := formText(c)
	if err != nil {
		return err
	}
	group, err := formGroupID(c)
	if err != nil {
		return err
	}
	img, err := s.formImage(c)
	if err != nil {
		return err
	}
	in := store.PinInput{Title: deref(title), Content: deref(content), GroupID: derefID(group)}
	p, err := s.createPin(c.UserContext(), u.ID, in, derefImage(img))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(pinView(*p))
}

func (s *server) handleGetPin(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.FindPin(c.UserContext(), id, viewer(c))
	if err != nil {
		return err
	}
	return c.JSON(pinView(*p))
}

type pinPatchRequest struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
	GroupID *string `json:"group_id"`
}

// handlePatchPin takes JSON, or a multipart form when it carries a new
// image; fields not sent are kept.
func (s *server) handlePatchPin(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var patch store.PinPatch
	var group *string
	if isMultipart(c) {
		if patch.Title, patch.Content, err = formText(c); err != nil {
			return err
		}
		if group, err = formValue(c, "group_id"); err != nil {
			return err
		}
		// Ask the store before storing an image for someone else's pin.
		if _, err := store.FindOwnPin(ctx, s.store, id, u.ID); err != nil {
			return err
		}
		if patch.Image, err = s.formImage(c); err != nil {
			return err
		}
	} else {
		var req pinPatchRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		patch.Title, patch.Content, group = req.Title, req.Content, req.GroupID
	}
	if group != nil {
		gid, err := parseGroupID(*group)
		if err != nil {
			return err
		}
		patch.GroupID = &gid
	}
	p, err := s.updatePin(ctx, u.ID, id, patch)
	if err != nil {
		return err
	}
	return c.JSON(pinView(*p))
}

func (s *server) handleDeletePin(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if err := s.deletePin(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

type likeJSON struct {
	Liked     bool  `json:"liked"`
	LikeCount int64 `json:"like_count"`
	Rev       int64 `json:"rev,omitempty"`
}

func (s *server) handleLike(c *fiber.Ctx) error { return s.setLike(c, true) }

func (s *server) handleUnlike(c *fiber.Ctx) error { return s.setLike(c, false) }

func (s *server) setLike(c *fiber.Ctx, on bool) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	st, err := s.likePin(c.UserContext(), u.ID, id, on)
	if err != nil {
		return err
	}
	return c.JSON(likeJSON{Liked: st.Liked, LikeCount: st.LikeCount, Rev: st.Revision})
}

type bookmarkJSON struct {
	Bookmarked    bool  `json:"bookmarked"`
	BookmarkCount int64 `json:"bookmark_count"`
}

func (s *server) handleBookmark(c *fiber.Ctx) error { return s.setBookmark(c, true) }

func (s *server) handleUnbookmark(c *fiber.Ctx) error { return s.setBookmark(c, false) }

func (s *server) setBookmark(c *fiber.Ctx, on bool) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	st, err := s.bookmarkPin(c.UserContext(), u.ID, id, on)
	if err != nil {
		return err
	}
	return c.JSON(bookmarkJSON{Bookmarked: st.Bookmarked, BookmarkCount: st.BookmarkCount})
}

// formGroupID reads group_id from a multipart form; nil when not sent.
func formGroupID(c *fiber.Ctx) (*bson.ObjectID, error) {
	v, err := formValue(c, "group_id")
	if err != nil || v == nil || *v == "" {
		return nil, err
	}
	id, err := parseGroupID(*v)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// parseGroupID parses a group id given in a body: unlike an id in the
// path, a malformed one is a broken rule on that field.
func parseGroupID(v string) (bson.ObjectID, error) {
	id, err := bson.ObjectIDFromHex(strings.TrimSpace(v))
	if err != nil {
		return bson.NilObjectID, store.FieldError("group_id", store.Reason{Code: store.ReasonNotYourGroup})
	}
	return id, nil
}

func derefID(p *bson.ObjectID) bson.ObjectID {
	if p == nil {
		return bson.NilObjectID
	}
	return *p
}
