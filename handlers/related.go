package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// handleRelatedPins lists the pins under a pin: those sharing a public
// group with it, then those sharing a word of its title (the store's
// FindRelatedPins), to anyone.
func (s *server) handleRelatedPins(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	pins, next, err := s.store.FindRelatedPins(c.UserContext(), id, viewer(c), p)
	if err != nil {
		return err
	}
	return s.sendPinList(c, pins, next)
}
