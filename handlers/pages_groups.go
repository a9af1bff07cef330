package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// Public groups are everyone's to see, signed in or not; a secret group
// is its owner's only (the store answers 404 for anyone else). Only the
// owner sees the edit and delete buttons, and only the owner's forms work.

// handleGroupsPage lists the user's groups with their pin counts.
func (w *web) handleGroupsPage(c *fiber.Ctx) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	if v.Groups, err = w.store.FindGroupsByOwner(c.UserContext(), u.ID); err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "groups", v)
}

// handleGroupPage shows a group, its owner and its pins (posted or
// saved into it, newest addition first, each credited to its author).
func (w *web) handleGroupPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if v.Group, err = w.store.FindGroup(ctx, id, viewer(c)); err != nil {
		return err
	}
	if v.Profile, err = w.store.FindProfile(ctx, v.Group.OwnerID, viewer(c)); err != nil {
		return err
	}
	pins, next, err := w.store.FindGroupPins(ctx, id, viewer(c), cursorPage(c))
	if err != nil {
		return err
	}
	v.setPins(pins, next, "/api/v1/groups/"+id.Hex()+"/pins")
	return w.render(c, http.StatusOK, "group", v)
}

// handleNewGroup shows the empty group form.
func (w *web) handleNewGroup(c *fiber.Ctx) error {
	return w.renderSignedIn(c, "group_form")
}

// handleCreateGroupForm stores the cover image and the group.
func (w *web) handleCreateGroupForm(c *fiber.Ctx) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	v.Form["title"], v.Form["content"], v.Form["secret"] = c.FormValue("title"), c.FormValue("content"), c.FormValue("secret")
	g, err := func() (*store.GroupView, error) {
		img, err := w.formImage(c)
		if err != nil {
			return nil, err
		}
		in := store.GroupInput{Title: c.FormValue("title"), Content: c.FormValue("content"), Secret: c.FormValue("secret") != ""}
		return w.createGroup(c.UserContext(), u.ID, in, derefImage(img))
	}()
	if err != nil {
		return w.renderRefused(c, v, "group_form", err)
	}
	return w.redirect(c, "/groups/"+g.ID.Hex(), "groupcreated")
}

// ownGroupForm loads the group for its edit form (the store answers 403
// for others, 404 for someone else's secret group).
func (w *web) ownGroupForm(c *fiber.Ctx) (*view, error) {
	u, id, err := userAndID(c)
	if err != nil {
		return nil, err
	}
	v, err := w.newView(c)
	if err != nil {
		return nil, err
	}
	if v.Group, err = store.FindOwnGroup(c.UserContext(), w.store, id, u.ID); err != nil {
		return nil, err
	}
	return v, nil
}

// handleEditGroup shows the group form filled in.
func (w *web) handleEditGroup(c *fiber.Ctx) error {
	v, err := w.ownGroupForm(c)
	if err != nil {
		return err
	}
	v.Form["title"], v.Form["content"] = v.Group.Title, v.Group.Content
	if v.Group.Secret {
		v.Form["secret"] = "1"
	}
	return w.render(c, http.StatusOK, "group_form", v)
}

// handleUpdateGroupForm saves the group; an empty image field keeps the
// cover.
func (w *web) handleUpdateGroupForm(c *fiber.Ctx) error {
	v, err := w.ownGroupForm(c)
	if err != nil {
		return err
	}
	title, content, secret := c.FormValue("title"), c.FormValue("content"), c.FormValue("secret") != ""
	v.Form["title"], v.Form["content"], v.Form["secret"] = title, content, c.FormValue("secret")
	_, err = func() (*store.GroupView, error) {
		img, err := w.formImage(c)
		if err != nil {
			return nil, err
		}
		// The form always shows the box, so its absence means unticked.
		patch := store.GroupPatch{Title: &title, Content: &content, Secret: &secret, Image: img}
		return w.updateGroup(c.UserContext(), v.Me.ID, v.Group.ID, patch)
	}()
	if err != nil {
		return w.renderRefused(c, v, "group_form", err)
	}
	return w.redirect(c, "/groups/"+v.Group.ID.Hex(), "groupupdated")
}

// handleDeleteGroupForm deletes the group and its pins (see deleteGroup).
func (w *web) handleDeleteGroupForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if err := w.deleteGroup(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return w.redirect(c, "/groups", "groupdeleted")
}
