package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// evPinSaved tells a pin's watchers its new save count (SPEC §5). It
// lives here rather than in events.go to keep that file's edits apart.
const evPinSaved = "pin.saved"

type pinSavedJSON struct {
	PinID     string `json:"pin_id"`
	SaveCount int64  `json:"save_count"`
}

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

// savePin saves (on) or unsaves pin into group for user, for the API and
// any form alike. Idempotent: a repeat answers the same state and neither
// publishes nor notifies again; saving one's own pin notifies nobody.
func (s *server) savePin(ctx context.Context, user, pin, group bson.ObjectID, on bool) (store.SaveState, error) {
	r, err := s.store.SetSave(ctx, pin, group, user, on)
	if err != nil {
		return store.SaveState{}, err
	}
	if r.Changed {
		s.publish(ctx, pinTopic(pin), evPinSaved, pinSavedJSON{PinID: pin.Hex(), SaveCount: r.State.SaveCount})
		if on && r.Pin != nil {
			s.notify(ctx, store.NotifySave, user, &pin, r.Pin.AuthorID)
		}
	}
	return r.State, nil
}
