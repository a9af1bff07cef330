package handlers

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Groups are private: every endpoint here needs a signed-in user, and the
// store answers 403 for someone else's group.

type groupsJSON struct {
	Items []groupJSON `json:"items"`
}

func (s *server) handleListGroups(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	gs, err := s.store.FindGroupsByOwner(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	out := groupsJSON{Items: make([]groupJSON, len(gs))}
	for i := range gs {
		out.Items[i] = groupView(gs[i])
	}
	return c.JSON(out)
}

// handleCreateGroup takes a multipart form: title, content and image.
func (s *server) handleCreateGroup(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if !isMultipart(c) {
		return store.Errorf(store.EMalformed, "Send a multipart form with title, content and image.")
	}
	title, content, err := formText(c)
	if err != nil {
		return err
	}
	img, err := s.formImage(c)
	if err != nil {
		return err
	}
	in := store.GroupInput{Title: deref(title), Content: deref(content)}
	g, err := s.store.CreateGroup(c.UserContext(), u.ID, in, derefImage(img))
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(groupView(*g))
}

func (s *server) handleGetGroup(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	g, err := s.store.FindGroup(c.UserContext(), id, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(groupView(*g))
}

type groupPatchRequest struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
}

// handlePatchGroup takes JSON, or a multipart form when it carries a new
// cover image; fields not sent are kept.
func (s *server) handlePatchGroup(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	var patch store.GroupPatch
	if isMultipart(c) {
		if patch.Title, patch.Content, err = formText(c); err != nil {
			return err
		}
		// Check ownership before storing an image for someone else's group.
		if _, err := s.store.FindGroup(c.UserContext(), id, u.ID); err != nil {
			return err
		}
		if patch.Image, err = s.formImage(c); err != nil {
			return err
		}
	} else {
		var req groupPatchRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		patch.Title, patch.Content = req.Title, req.Content
	}
	g, err := s.store.UpdateGroup(c.UserContext(), id, u.ID, patch)
	if err != nil {
		return err
	}
	return c.JSON(groupView(*g))
}

func (s *server) handleDeleteGroup(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if err := s.removeGroup(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// removeGroup deletes the group and its pins (the store checks ownership)
// and tells each pin's watchers, for the API and the form alike.
func (s *server) removeGroup(ctx context.Context, actor, id bson.ObjectID) error {
	pins, err := s.store.DeleteGroup(ctx, id, actor)
	if err != nil {
		return err
	}
	s.publishPinsDeleted(ctx, pins)
	return nil
}

func (s *server) handleGroupPins(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	pins, next, err := s.store.FindGroupPins(c.UserContext(), id, u.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(newList(pins, next, pinView))
}

// formText returns the title and content fields of a multipart form, nil
// for those not sent.
func formText(c *fiber.Ctx) (title, content *string, err error) {
	if title, err = formValue(c, "title"); err != nil {
		return nil, nil, err
	}
	if content, err = formValue(c, "content"); err != nil {
		return nil, nil, err
	}
	return title, content, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefImage(p *store.ImageRef) store.ImageRef {
	if p == nil {
		return store.ImageRef{}
	}
	return *p
}
