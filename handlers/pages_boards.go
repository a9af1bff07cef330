package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// The pages of boards (SPEC §3, §6): saving a pin into one's groups from
// a plain form, the group a pin is in, related pins, a profile's public
// groups. The JavaScript picker calls the JSON API instead; these forms
// are what works without it.

// boards returns the store's boards, or nil while the store in use does
// not implement them: the pages then leave boards out rather than fail.
func (w *web) boards() store.Boards {
	b, _ := w.store.(store.Boards)
	return b
}

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
		g, err := w.store.CreateGroup(ctx, u.ID, store.GroupInput{Title: c.FormValue("new_title"), Secret: c.FormValue("secret") != ""}, store.ImageRef{})
		if err != nil {
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
		group = g.ID
	default:
		return store.Errorf(store.EMalformed, "Choose a group.")
	}
	if _, err := w.pageSave(ctx, u.ID, id, group, on); err != nil {
		return err
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

// pageSave saves or unsaves pin into group for user as the JSON API does:
// a change publishes the new count on the pin's topic and a save tells the
// pin's author.
func (w *web) pageSave(ctx context.Context, user, pin, group bson.ObjectID, on bool) (store.SaveState, error) {
	st, changed, p, err := w.boards().SetSave(ctx, pin, group, user, on)
	if err != nil {
		return st, err
	}
	if changed {
		w.publish(ctx, pinTopic(pin), "pin.saved", map[string]any{"pin_id": pin.Hex(), "save_count": st.SaveCount})
		if on && p != nil {
			w.notify(ctx, store.NotifySave, user, &pin, p.AuthorID)
		}
	}
	return st, nil
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
		if v.Groups, err = w.store.FindGroupsByOwner(ctx, v.Me.ID); err != nil {
			return err
		}
	}
	related, next, err := b.FindRelatedPins(ctx, p.ID, viewer(c), store.Page{Limit: store.DefaultLimit})
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
	pins, next, err := b.FindRelatedPins(c.UserContext(), id, viewer(c), cursorPage(c))
	if err != nil {
		return err
	}
	v.setPins(pins, next, "/api/v1/pins/"+id.Hex()+"/related")
	v.Heading, v.Intro = v.t("related.title"), p.Title
	return w.render(c, http.StatusOK, "pinlist", v)
}

// isNotFound reports a store 404.
func isNotFound(err error) bool { return store.ErrorCode(err) == store.ENotFound }
