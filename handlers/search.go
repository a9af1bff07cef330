package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// handleSearchUsers finds people by the start of their nickname, in any
// case, in nickname order.
func (s *server) handleSearchUsers(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	cards, next, err := s.store.SearchUsers(c.UserContext(), c.Query("q"), p)
	if err != nil {
		return err
	}
	return c.JSON(newList(cards, next, cardView))
}

// handleSearchGroups finds public groups by the words of their title,
// newest first.
func (s *server) handleSearchGroups(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	gs, next, err := s.store.SearchGroups(c.UserContext(), c.Query("q"), p)
	if err != nil {
		return err
	}
	return s.sendGroupList(c, gs, next)
}
