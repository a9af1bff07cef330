package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
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
	// The comments of an unknown pin are a 404, not an empty list: the
	// store says ErrNotFound (conformance: FindComments of an unknown pin).
	cs, next, err := s.store.FindComments(c.UserContext(), id, p)
	if err != nil {
		return err
	}
	return c.JSON(newList(cs, next, commentView))
}

type commentRequest struct {
	Content string `json:"content"`
}

// handleCreateComment adds a comment (see addComment).
func (s *server) handleCreateComment(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	var req commentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	view, err := s.addComment(c.UserContext(), u.ID, id, req.Content)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(view)
}

func (s *server) handleDeleteComment(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if _, err := s.deleteComment(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
