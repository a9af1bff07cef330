package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// handleComments lists a pin's comments, oldest first.
func (s *server) handleComments(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	// The comments of an unknown pin are a 404, not an empty list.
	if _, err := s.store.FindPin(ctx, id, bson.NilObjectID); err != nil {
		return err
	}
	cs, next, err := s.store.FindComments(ctx, id, p)
	if err != nil {
		return err
	}
	return c.JSON(newList(cs, next, commentView))
}

type commentRequest struct {
	Content string `json:"content"`
}

// handleCreateComment adds a comment, shows it to the pin's watchers and
// notifies the pin's author (the store skips authors commenting on their
// own pins).
func (s *server) handleCreateComment(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var req commentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	cm, pin, err := s.store.CreateComment(ctx, id, u.ID, req.Content)
	if err != nil {
		return err
	}
	view := commentView(*cm)
	s.publish(ctx, pinTopic(id), evCommentCreated, view)
	s.notify(ctx, store.NotifyComment, u.ID, &id, pin.AuthorID)
	return c.Status(http.StatusCreated).JSON(view)
}

func (s *server) handleDeleteComment(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	cm, err := s.store.DeleteComment(ctx, id, u.ID)
	if err != nil {
		return err
	}
	s.publish(ctx, pinTopic(cm.PinID), evCommentDeleted, idJSON{ID: id.Hex()})
	return c.SendStatus(http.StatusNoContent)
}
