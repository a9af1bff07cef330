package handlers

import (
	"context"
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

// handleCreateComment adds a comment, shows it to the pin's watchers and
// notifies the pin's author (the store skips authors commenting on their
// own pins).
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

// addComment stores the comment, shows it to the pin's watchers and
// notifies the pin's author (in the background: the answer does not show
// the notification); the API and the comment form both use it.
func (s *server) addComment(ctx context.Context, author, pin bson.ObjectID, content string) (commentJSON, error) {
	cm, p, err := s.store.CreateComment(ctx, pin, author, content)
	if err != nil {
		return commentJSON{}, err
	}
	view := commentView(*cm)
	s.publish(ctx, pinTopic(pin), evCommentCreated, view)
	s.notifyAfter(ctx, store.NotifyComment, author, &pin, p.AuthorID)
	return view, nil
}

func (s *server) handleDeleteComment(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if _, err := s.removeComment(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// removeComment deletes one's own comment (403 for others) and tells the
// pin's watchers; it returns the comment, whose pin a page goes back to.
func (s *server) removeComment(ctx context.Context, actor, id bson.ObjectID) (*store.Comment, error) {
	cm, err := s.store.DeleteComment(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, pinTopic(cm.PinID), evCommentDeleted, idJSON{ID: id.Hex()})
	return cm, nil
}
