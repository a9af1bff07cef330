package handlers

import (
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// The pages of boards (docs/API.md §Saves, §Pages): saving a pin into one's groups from
// a plain form, the group a pin is in, related pins, a profile's public
// groups. The JavaScript picker calls the JSON API instead; these forms
// are what works without it.

// boards returns the store's boards (the Store interface embeds them); it
// is nil only when there is no store at all, which the callers tolerate.
func (w *web) boards() store.Boards { return w.store }

// handleSaveForm saves the pin into one of the user's groups (field
// "save", the group id), unsaves it ("unsave"), or creates a group named
// "new_title" (public unless "secret") and saves the pin into it. It goes
// back to the pin, or to "next" when the form came from elsewhere.
func (w *web) handleSaveForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	b := w.boards()
	if b == nil {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	raw, on := c.FormValue("save"), true
	if u := c.FormValue("unsave"); raw == "" && u != "" {
		raw, on = u, false
	}
	var group bson.ObjectID
	switch {
	case raw != "":
		if group, err = bson.ObjectIDFromHex(raw); err != nil {
			return store.Errorf(store.EMalformed, "Malformed group id.")
		}
	case c.FormValue("new_title") != "":
		g, err := w.createGroup(ctx, u.ID, store.GroupInput{Title: c.FormValue("new_title"), Secret: c.FormValue("secret") != ""}, store.ImageRef{})
		if err != nil {
			return w.refuseSave(c, err)
		}
		group = g.ID
	default:
		return store.Errorf(store.EMalformed, "Choose a group.")
	}
	if _, err := w.savePin(ctx, u.ID, id, group, on); err != nil {
		return w.refuseSave(c, err)
	}
	flash := "saved"
	if !on {
		flash = "unsaved"
	}
	next := "/pins/" + id.Hex()
	if n := c.FormValue("next"); n != "" {
		next = localPath(n)
	}
	return w.redirect(c, next, flash)
}

// refuseSave shows the pin page again, 422, with why the save form was
// refused beside the picker (the new group's title, or the group chosen);
// an error that is not about the form is returned for the error page.
func (w *web) refuseSave(c *fiber.Ctx, err error) error {
	v, verr := w.newView(c)
	if verr != nil {
		return verr
	}
	v.Form["new_title"] = c.FormValue("new_title")
	if err := v.fail(err); err != nil {
		return err
	}
	if v.Errors["title"] != "" {
		v.Errors["new_title"] = v.Errors["title"]
	}
	return w.showPin(c, v, http.StatusUnprocessableEntity)
}

// addBoards fills the pin page's board parts: the group the pin was
// posted into (when the viewer may see it), the viewer's groups for the
// save picker, and the first page of related pins. Three queries, each a
// constant number of round trips.
func (w *web) addBoards(c *fiber.Ctx, v *view, p *store.PinView) error {
	b := w.boards()
	if b == nil {
		return nil
	}
	ctx := c.UserContext()
	g, err := w.store.FindGroup(ctx, p.GroupID, viewer(c))
	if err != nil && !isNotFound(err) {
		return err
	}
	v.Group = g
	if v.Me != nil {
		if v.Choices, err = w.store.FindGroupChoices(ctx, v.Me.ID); err != nil {
			return err
		}
	}
	related, next, err := b.FindRelatedPins(ctx, p.ID, cardViewer, store.Page{Limit: store.DefaultLimit})
	if err != nil {
		return err
	}
	v.setPins(related, next, "/api/v1/pins/"+p.ID.Hex()+"/related")
	if next != nil {
		v.MoreURL = "/pins/" + p.ID.Hex() + "/related?" + url.Values{"cursor": {*next}}.Encode()
	}
	return nil
}

// handleRelatedPage continues the related pins without JavaScript.
func (w *web) handleRelatedPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b := w.boards()
	if b == nil {
		return fiber.ErrNotFound
	}
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	p, err := w.store.FindPin(c.UserContext(), id, viewer(c))
	if err != nil {
		return err
	}
	pins, next, err := b.FindRelatedPins(c.UserContext(), id, cardViewer, cursorPage(c))
	if err != nil {
		return err
	}
	v.setPins(pins, next, "/api/v1/pins/"+id.Hex()+"/related")
	v.Heading, v.Intro = v.t("related.title"), p.Title
	return w.render(c, http.StatusOK, "pinlist", v)
}

// isNotFound reports a store 404.
func isNotFound(err error) bool { return store.ErrorCode(err) == store.ENotFound }
