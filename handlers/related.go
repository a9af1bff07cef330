package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// handleRelatedPins lists the pins under a pin: those sharing a public
// group with it, then those sharing a word of its title (the store's
// FindRelatedPins), to anyone.
func (s *server) handleRelatedPins(c *fiber.Ctx) error {
	return s.listPinsOf(c, s.store.FindRelatedPins)
}

// listPinsOf answers a page of the pin list find gives for the :id of the
// path (a pin's related pins, a group's pins, a user's pins), as the viewer
// sees it.
func (s *server) listPinsOf(c *fiber.Ctx, find func(ctx context.Context, id, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error)) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	pins, next, err := find(c.UserContext(), id, viewer(c), p)
	if err != nil {
		return err
	}
	return s.sendPinList(c, pins, next)
}
