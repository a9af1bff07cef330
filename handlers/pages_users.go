package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// handleProfilePage shows a user with counts, follow button and pins.
func (w *web) handleProfilePage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if v.Profile, err = w.store.FindProfile(ctx, id, viewer(c)); err != nil {
		return err
	}
	pins, next, err := w.store.FindPins(ctx, store.PinQuery{AuthorID: id}, viewer(c), cursorPage(c))
	if err != nil {
		return err
	}
	v.setPins(pins, next, "/api/v1/users/"+id.Hex()+"/pins")
	v.Topics = append(v.Topics, profileTopic(id))
	return w.render(c, http.StatusOK, "profile", v)
}

// handleFollowForm is the no-JavaScript follow toggle (on=1 follows).
func (w *web) handleFollowForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if _, err := w.followUser(c.UserContext(), u.ID, id, c.FormValue("on") == "1"); err != nil {
		return err
	}
	next := c.FormValue("next")
	if next == "" {
		next = "/users/" + id.Hex()
	}
	return w.redirect(c, localPath(next), "")
}

// handleEditProfile shows the avatar and message form.
func (w *web) handleEditProfile(c *fiber.Ctx) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	v.Form["message"] = u.Message
	return w.render(c, http.StatusOK, "profile_edit", v)
}

// handleUpdateProfileForm saves the message and, when a file was chosen,
// the avatar; without one the avatar stays.
func (w *web) handleUpdateProfileForm(c *fiber.Ctx) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	msg := c.FormValue("message")
	v.Form["message"] = msg
	err = func() error {
		ctx := c.UserContext()
		img, err := w.formImage(c)
		if err != nil {
			return err
		}
		if _, err := w.store.UpdateUserMessage(ctx, u.ID, msg); err != nil {
			return err
		}
		if img != nil {
			_, err = w.store.SetUserAvatar(ctx, u.ID, *img)
		}
		return err
	}()
	if err != nil {
		return w.renderRefused(c, v, "profile_edit", err)
	}
	return w.redirect(c, "/users/"+u.ID.Hex(), "profilesaved")
}

// handleDeleteAccount asks for the password before deleting.
func (w *web) handleDeleteAccount(c *fiber.Ctx) error {
	return w.renderSignedIn(c, "account_delete")
}

// handleDeleteAccountForm deletes the account and everything it owns,
// then ends the session.
func (w *web) handleDeleteAccountForm(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if err := w.removeAccount(c.UserContext(), u.ID, c.FormValue("password")); err != nil {
		v, verr := w.newView(c)
		if verr != nil {
			return verr
		}
		return w.renderRefused(c, v, "account_delete", err)
	}
	// The account is gone, so its token no longer authenticates; only
	// the cookie is left to clear.
	w.clearSession(c)
	return w.redirect(c, "/", "accountdeleted")
}

// handleNotificationsPage lists notifications, newest first.
func (w *web) handleNotificationsPage(c *fiber.Ctx) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	notes, unread, next, err := w.store.FindNotifications(c.UserContext(), u.ID, cursorPage(c))
	if err != nil {
		return err
	}
	v.Notes, v.Unread = notes, unread
	if next != nil {
		v.Next = *next
	}
	return w.render(c, http.StatusOK, "notifications", v)
}

// handleMarkReadForm marks every notification read.
func (w *web) handleMarkReadForm(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if err := w.store.MarkNotificationsRead(c.UserContext(), u.ID); err != nil {
		return err
	}
	return w.redirect(c, "/notifications", "notesread")
}
