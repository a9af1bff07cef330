package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// handleProfilePage shows a user with counts, follow button, public
// groups and pins.
func (w *web) handleProfilePage(c *fiber.Ctx) error {
	v, id, err := w.profileView(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	pins, next, err := w.store.FindPins(ctx, store.PinQuery{AuthorID: id}, cardViewer, cursorPage(c))
	if err != nil {
		return err
	}
	v.setPins(pins, next, "/api/v1/users/"+id.Hex()+"/pins")
	if b := w.boards(); b != nil {
		// Public groups only, or all of one's own; the first page (a
		// profile with more links to the groups page or shows 24).
		if v.Groups, _, err = b.FindUserGroups(ctx, id, viewer(c), store.Page{Limit: store.DefaultLimit}); err != nil {
			return err
		}
	}
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
		img, err := w.formImage(c)
		if err != nil {
			return err
		}
		_, err = w.updateProfile(c.UserContext(), u, profileChange{Message: &msg, Avatar: img})
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

// handleDeleteAccountForm deletes the account and everything it owns and
// ends the session, as the API does (see deleteAccount).
func (w *web) handleDeleteAccountForm(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if err := w.deleteAccount(c, u, c.FormValue("password")); err != nil {
		v, verr := w.newView(c)
		if verr != nil {
			return verr
		}
		return w.renderRefused(c, v, "account_delete", err)
	}
	return w.redirect(c, "/", "accountdeleted")
}

// handleNotificationsPage lists notifications, newest first, and marks
// them all read (docs/API.md §Pages: read once opened). The list still shows which
// were new, as loaded before the marking; the badge shows none left.
func (w *web) handleNotificationsPage(c *fiber.Ctx) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	np, err := w.store.FindNotifications(ctx, u.ID, cursorPage(c))
	if err != nil {
		return err
	}
	v.Notes = np.Items
	if np.Unread > 0 {
		if err := w.markNotificationsRead(ctx, u.ID); err != nil {
			return err
		}
	}
	v.Unread = 0
	if np.Next != nil {
		v.Next = *np.Next
	}
	return w.render(c, http.StatusOK, "notifications", v)
}

// handleMarkReadForm marks every notification read.
func (w *web) handleMarkReadForm(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	if err := w.markNotificationsRead(c.UserContext(), u.ID); err != nil {
		return err
	}
	return w.redirect(c, "/notifications", "notesread")
}

// handleFollowersPage lists the people who follow a user, newest first.
func (w *web) handleFollowersPage(c *fiber.Ctx) error {
	return w.peoplePage(c, w.store.FindFollowers, "people.followers", "/followers")
}

// handleFollowingPage lists the people a user follows.
func (w *web) handleFollowingPage(c *fiber.Ctx) error {
	return w.peoplePage(c, w.store.FindFollowing, "people.following", "/following")
}

// peoplePage renders one page of a user's followers or followings: find
// loads it (one query of cards, whatever their number), heading is the
// catalog key of the title, which names the user.
func (w *web) peoplePage(c *fiber.Ctx, find func(context.Context, bson.ObjectID, store.Page) ([]store.Card, *string, error), heading, suffix string) error {
	v, id, err := w.profileView(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	people, next, err := find(ctx, id, cursorPage(c))
	if err != nil {
		return err
	}
	v.People, v.Heading = people, newTranslator(v.Lang).Tf(heading, v.Profile.Nickname)
	if next != nil {
		v.MoreURL = "/users/" + id.Hex() + suffix + "?" + url.Values{"cursor": {*next}}.Encode()
	}
	return w.render(c, http.StatusOK, "people", v)
}

// profileView starts the view of a page about the user named by :id (the
// profile and its people pages): that user's profile as the viewer sees
// it.
func (w *web) profileView(c *fiber.Ctx) (*view, bson.ObjectID, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, id, err
	}
	v, err := w.newView(c)
	if err != nil {
		return nil, id, err
	}
	if v.Profile, err = w.store.FindProfile(c.UserContext(), id, viewer(c)); err != nil {
		return nil, id, err
	}
	return v, id, nil
}
