package handlers

import (
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// cardViewer is the viewer the pages ask lists of cards for: nobody. A
// card shows nothing about its viewer (whether they liked, bookmarked or
// saved the pin), and which pins FindPins and FindRelatedPins list does
// not depend on who asks, so the store need not look up the viewer's
// likes, bookmarks and saves of every pin (three lookups a card). Group
// pins are not such a list: a secret group is its owner's only.
var cardViewer bson.ObjectID

// cursorPage is the list page a "More" link or the script asks for.
func cursorPage(c *fiber.Ctx) store.Page {
	return store.Page{Cursor: c.Query("cursor"), Limit: store.DefaultLimit}
}

// setPins puts one page of pins into v; source is the JSON API path the
// script continues from. MoreURL is the no-JavaScript link to the next
// page; it is built whole here because html/template would escape the
// "&" and "=" of a query spliced into an href.
func (v *view) setPins(pins []store.PinView, next *string, source string) {
	v.Pins, v.Source = pins, source
	if next != nil {
		v.Next = *next
		q := url.Values{"cursor": {*next}}
		if v.Query != "" {
			q.Set("q", v.Query)
		}
		v.MoreURL = "?" + q.Encode()
	}
}

// handleHome is the grid of everyone's pins, newest first, or the search
// results for q. Only the unsearched first page listens for new pins.
func (w *web) handleHome(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	pins, next, err := w.store.FindPins(c.UserContext(), store.PinQuery{Query: v.Query}, cardViewer, cursorPage(c))
	if err != nil {
		return err
	}
	source := "/api/v1/pins"
	if v.Query != "" {
		source += "?q=" + url.QueryEscape(v.Query)
	} else if c.Query("cursor") == "" {
		v.Topics = append(v.Topics, topicPins)
	}
	v.setPins(pins, next, source)
	return w.render(c, http.StatusOK, "home", v)
}

// handleFeedPage lists pins by the people the user follows.
func (w *web) handleFeedPage(c *fiber.Ctx) error {
	return w.ownPinsPage(c, w.store.FindFeed, "/api/v1/feed", "feed.title", "feed.intro")
}

// handleBookmarksPage lists the pins the user saved.
func (w *web) handleBookmarksPage(c *fiber.Ctx) error {
	return w.ownPinsPage(c, w.store.FindBookmarkedPins, "/api/v1/me/bookmarks", "bookmarks.title", "bookmarks.intro")
}

// ownPinsPage renders one of the signed-in user's pin lists: find loads
// the page, source is the JSON API path the script continues from, and
// heading and intro are the translation keys of the text above the grid.
func (w *web) ownPinsPage(c *fiber.Ctx, find ownPinsFunc, source, heading, intro string) error {
	u, v, err := w.userView(c)
	if err != nil {
		return err
	}
	pins, next, err := find(c.UserContext(), u.ID, cursorPage(c))
	if err != nil {
		return err
	}
	v.setPins(pins, next, source)
	v.Heading, v.Intro = v.t(heading), v.t(intro)
	return w.render(c, http.StatusOK, "pinlist", v)
}

// handlePinPage shows a pin with its author, counts and comments.
func (w *web) handlePinPage(c *fiber.Ctx) error {
	v, err := w.newView(c)
	if err != nil {
		return err
	}
	return w.showPin(c, v, http.StatusOK)
}

// showPin renders the detail page into v, which may already hold a
// refused comment. Six queries whatever the pin: pin, comments, author
// profile (counts and is_following), then its group, the viewer's groups
// and related pins (addBoards) — each hydrated by the store in constant
// round trips.
func (w *web) showPin(c *fiber.Ctx, v *view, status int) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := w.store.FindPin(ctx, id, viewer(c))
	if err != nil {
		return err
	}
	comments, next, err := w.store.FindComments(ctx, id, store.Page{Cursor: c.Query("cursor"), Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	author, err := w.store.FindProfile(ctx, p.AuthorID, viewer(c))
	if err != nil {
		return err
	}
	v.Pin, v.Comments, v.Profile = p, comments, author
	if next != nil {
		v.CommentsNext = *next
	}
	if err := w.addBoards(c, v, p); err != nil {
		return err
	}
	v.Topics = append(v.Topics, pinTopic(id), profileTopic(p.AuthorID))
	return w.render(c, status, "pin", v)
}

// handleNewPin shows the upload form; ?group= preselects a group.
func (w *web) handleNewPin(c *fiber.Ctx) error {
	v, err := w.pinFormView(c)
	if err != nil {
		return err
	}
	v.Form["group_id"] = c.Query("group")
	return w.render(c, http.StatusOK, "pin_form", v)
}

// pinFormView is a view with the signed-in user's groups, the only ones a
// pin may go into.
func (w *web) pinFormView(c *fiber.Ctx) (*view, error) {
	u, v, err := w.userView(c)
	if err != nil {
		return nil, err
	}
	v.Choices, err = w.store.FindGroupChoices(c.UserContext(), u.ID)
	return v, err
}

// keepPinForm copies the submitted text fields into v, to show again.
func keepPinForm(c *fiber.Ctx, v *view) {
	for _, f := range []string{"title", "content", "group_id"} {
		v.Form[f] = c.FormValue(f)
	}
}

// handleCreatePinForm stores the upload and the pin, then shows it.
func (w *web) handleCreatePinForm(c *fiber.Ctx) error {
	v, err := w.pinFormView(c)
	if err != nil {
		return err
	}
	keepPinForm(c, v)
	p, err := w.createPinFromForm(c)
	if err != nil {
		return w.renderRefused(c, v, "pin_form", err)
	}
	return w.redirect(c, "/pins/"+p.ID.Hex(), "pincreated")
}

// createPinFromForm stores the upload, then creates the pin (createPin).
func (w *web) createPinFromForm(c *fiber.Ctx) (*store.PinView, error) {
	group, err := parseGroupID(c.FormValue("group_id"))
	if err != nil {
		return nil, err
	}
	img, err := w.formImage(c)
	if err != nil {
		return nil, err
	}
	in := store.PinInput{Title: c.FormValue("title"), Content: c.FormValue("content"), GroupID: group}
	return w.createPin(c.UserContext(), viewer(c), in, derefImage(img))
}

// ownPinForm loads the pin for its edit form: the store answers 403 for
// anyone but the author, before any upload is stored.
func (w *web) ownPinForm(c *fiber.Ctx) (*view, *store.PinView, error) {
	v, err := w.pinFormView(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, nil, err
	}
	p, err := store.FindOwnPin(c.UserContext(), w.store, id, v.Me.ID)
	if err != nil {
		return nil, nil, err
	}
	v.Pin = p
	return v, p, nil
}

// handleEditPin shows the edit form filled with the pin.
func (w *web) handleEditPin(c *fiber.Ctx) error {
	v, p, err := w.ownPinForm(c)
	if err != nil {
		return err
	}
	v.Form = map[string]string{"title": p.Title, "content": p.Content, "group_id": p.GroupID.Hex()}
	return w.render(c, http.StatusOK, "pin_form", v)
}

// handleUpdatePinForm saves the edit; without a new image the old one
// stays (formImage returns nil for an empty file field).
func (w *web) handleUpdatePinForm(c *fiber.Ctx) error {
	v, p, err := w.ownPinForm(c)
	if err != nil {
		return err
	}
	keepPinForm(c, v)
	title, content := c.FormValue("title"), c.FormValue("content")
	patch := store.PinPatch{Title: &title, Content: &content}
	_, err = func() (*store.PinView, error) {
		gid, err := parseGroupID(c.FormValue("group_id"))
		if err != nil {
			return nil, err
		}
		patch.GroupID = &gid
		if patch.Image, err = w.formImage(c); err != nil {
			return nil, err
		}
		return w.updatePin(c.UserContext(), v.Me.ID, p.ID, patch)
	}()
	if err != nil {
		return w.renderRefused(c, v, "pin_form", err)
	}
	return w.redirect(c, "/pins/"+p.ID.Hex(), "pinupdated")
}

// handleDeletePinForm deletes the pin (see deletePin).
func (w *web) handleDeletePinForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if err := w.deletePin(c.UserContext(), u.ID, id); err != nil {
		return err
	}
	return w.redirect(c, "/users/"+u.ID.Hex(), "pindeleted")
}

// handleLikeForm is the no-JavaScript like toggle: on=1 likes, anything
// else unlikes. It publishes and notifies exactly as the API does.
func (w *web) handleLikeForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if _, err := w.likePin(c.UserContext(), u.ID, id, c.FormValue("on") == "1"); err != nil {
		return err
	}
	return w.redirect(c, "/pins/"+id.Hex(), "")
}

// handleBookmarkForm is the no-JavaScript bookmark toggle.
func (w *web) handleBookmarkForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if _, err := w.bookmarkPin(c.UserContext(), u.ID, id, c.FormValue("on") == "1"); err != nil {
		return err
	}
	return w.redirect(c, "/pins/"+id.Hex(), "")
}

// handleCommentForm adds a comment; a refused one re-renders the pin page
// with the text kept and the reason beside the field.
func (w *web) handleCommentForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	if _, err := w.addComment(c.UserContext(), u.ID, id, c.FormValue("content")); err != nil {
		v, verr := w.newView(c)
		if verr != nil {
			return verr
		}
		v.Form["content"] = c.FormValue("content")
		if err := v.fail(err); err != nil {
			return err
		}
		return w.showPin(c, v, http.StatusUnprocessableEntity)
	}
	return w.redirect(c, "/pins/"+id.Hex()+"#comments-h", "commented")
}

// handleDeleteCommentForm deletes one's own comment.
func (w *web) handleDeleteCommentForm(c *fiber.Ctx) error {
	u, id, err := userAndID(c)
	if err != nil {
		return err
	}
	cm, err := w.deleteComment(c.UserContext(), u.ID, id)
	if err != nil {
		return err
	}
	return w.redirect(c, "/pins/"+cm.PinID.Hex(), "commentdeleted")
}
