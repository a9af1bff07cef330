package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// notificationsJSON is a page of notifications with the unread count, so
// that the badge and the list come from one request.
type notificationsJSON struct {
	Items       []notificationJSON `json:"items"`
	UnreadCount int64              `json:"unread_count"`
	NextCursor  *string            `json:"next_cursor"`
}

func (s *server) handleNotifications(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	np, err := s.store.FindNotifications(c.UserContext(), u.ID, p)
	if err != nil {
		return err
	}
	l := newList(np.Items, np.Next, notificationView)
	return c.JSON(notificationsJSON{Items: l.Items, UnreadCount: np.Unread, NextCursor: l.NextCursor})
}

func (s *server) handleMarkRead(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if err := s.markNotificationsRead(c.UserContext(), u.ID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
