package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Groups (boards) are public unless secret: anyone reads a public group
// and its pins; a secret one is a 404 for all but its owner, and only
// the owner writes (403 on someone else's public group). The store
// checks all of it.

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
		out.Items[i] = groupView(gs[i], u.Card())
	}
	return c.JSON(out)
}

// groupViews converts a page of groups with their owners' cards (one
// lookup for the page). A group whose owner is gone (an account deletion
// under way) is left out.
func (s *server) groupViews(ctx context.Context, gs []store.GroupView) ([]groupJSON, error) {
	owners := make([]bson.ObjectID, len(gs))
	for i, g := range gs {
		owners[i] = g.OwnerID
	}
	cards, err := s.store.FindCards(ctx, owners)
	if err != nil {
		return nil, err
	}
	out := make([]groupJSON, 0, len(gs))
	for _, g := range gs {
		if card, ok := cards[g.OwnerID]; ok {
			out = append(out, groupView(g, card))
		}
	}
	return out, nil
}

// sendGroupList answers {"items":[group…],"next_cursor":…}.
func (s *server) sendGroupList(c *fiber.Ctx, gs []store.GroupView, next *string) error {
	items, err := s.groupViews(c.UserContext(), gs)
	if err != nil {
		return err
	}
	return c.JSON(list[groupJSON]{Items: items, NextCursor: next})
}

// sendGroup answers one group with its owner's card.
func (s *server) sendGroup(c *fiber.Ctx, status int, g *store.GroupView) error {
	items, err := s.groupViews(c.UserContext(), []store.GroupView{*g})
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return store.ErrNotFound
	}
	return c.Status(status).JSON(items[0])
}

// handleCreateGroup takes a multipart form: title, content, secret and an
// optional cover image.
func (s *server) handleCreateGroup(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if !isMultipart(c) {
		return store.Errorf(store.EMalformed, "Send a multipart form with title, content, secret and image.")
	}
	title, content, err := formText(c)
	if err != nil {
		return err
	}
	secret, err := formSecret(c)
	if err != nil {
		return err
	}
	img, err := s.formImage(c)
	if err != nil {
		return err
	}
	in := store.GroupInput{Title: deref(title), Content: deref(content), Secret: secret != nil && *secret}
	g, err := s.createGroup(c.UserContext(), u.ID, in, derefImage(img))
	if err != nil {
		return err
	}
	return s.sendGroup(c, http.StatusCreated, g)
}

// handleGetGroup shows a group to anyone who may see it.
func (s *server) handleGetGroup(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	g, err := s.store.FindGroup(c.UserContext(), id, viewer(c))
	if err != nil {
		return err
	}
	return s.sendGroup(c, http.StatusOK, g)
}

type groupPatchRequest struct {
	Title   *string `json:"title"`
	Content *string `json:"content"`
	Secret  *bool   `json:"secret"`
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
		if patch.Secret, err = formSecret(c); err != nil {
			return err
		}
		// Ask the store before storing an image for someone else's group.
		if _, err := store.FindOwnGroup(c.UserContext(), s.store, id, u.ID); err != nil {
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
		patch.Title, patch.Content, patch.Secret = req.Title, req.Content, req.Secret
	}
	g, err := s.updateGroup(c.UserContext(), u.ID, id, patch)
	if err != nil {
		return err
	}
	return s.sendGroup(c, http.StatusOK, g)
}

func (s *server) handleDeleteGroup(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if err := s.deleteGroup(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// handleGroupPins lists the pins posted or saved into a group, newest
// addition first, to anyone who may see the group.
func (s *server) handleGroupPins(c *fiber.Ctx) error {
	return s.listPinsOf(c, s.store.FindGroupPins)
}

// handleUserGroups lists a user's public groups (all of them for the user
// themselves), newest first.
func (s *server) handleUserGroups(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	gs, next, err := s.store.FindUserGroups(c.UserContext(), id, viewer(c), p)
	if err != nil {
		return err
	}
	return s.sendGroupList(c, gs, next)
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

// formSecret reads the secret field of a multipart form: true, on or 1
// (a checkbox), false, off, 0 or empty; nil when not sent.
func formSecret(c *fiber.Ctx) (*bool, error) {
	v, err := formValue(c, "secret")
	if err != nil || v == nil {
		return nil, err
	}
	var on bool
	switch strings.ToLower(strings.TrimSpace(*v)) {
	case "true", "on", "1":
		on = true
	case "false", "off", "0", "":
	default:
		return nil, store.FieldError("secret", store.Reason{Code: store.ReasonNotBool})
	}
	return &on, nil
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
