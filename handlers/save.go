package handlers

import "github.com/gofiber/fiber/v2"

type saveJSON struct {
	Saved     bool   `json:"saved"`
	SaveCount int64  `json:"save_count"`
	GroupID   string `json:"group_id"`
}

func (s *server) handleSave(c *fiber.Ctx) error { return s.setSave(c, true) }

func (s *server) handleUnsave(c *fiber.Ctx) error { return s.setSave(c, false) }

// setSave answers PUT and DELETE /pins/:id/saves/:group_id: the store
// checks that the group is the user's (403, or 404 for someone else's
// secret group) and that both exist.
func (s *server) setSave(c *fiber.Ctx, on bool) error {
	u, pin, err := userAndID(c)
	if err != nil {
		return err
	}
	group, err := idParam(c, "group_id")
	if err != nil {
		return err
	}
	st, err := s.savePin(c.UserContext(), u.ID, pin, group, on)
	if err != nil {
		return err
	}
	return c.JSON(saveJSON{Saved: st.Saved, SaveCount: st.SaveCount, GroupID: st.GroupID.Hex()})
}
