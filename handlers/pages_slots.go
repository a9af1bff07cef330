package handlers

import (
	"encoding/json"
	"html/template"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// The scripts add cards (infinite scroll, live pins) and comments (live,
// or just posted) to a page. They do not build that markup themselves:
// the page carries a <template> of each, rendered by the same code as the
// real ones for a placeholder pin or comment, and the script clones it and
// puts a pin's or comment's values where the placeholders are
// (fromTemplate in public/static/js/util.js). So the two cannot drift, and
// the texts are the page's language. TestSlotTemplatesFillToRealMarkup
// holds a filled template to the real markup.

// slotted is one such <template> (the "slotted" partial): the markup of
// a placeholder, and in Slots, as JSON, the placeholder text of each field
// the script fills. A placeholder may appear in any attribute or text.
type slotted struct {
	ID    string
	HTML  template.HTML
	Slots string
}

// placeholderID is an id of one repeated byte, which no real id is.
func placeholderID(b byte) bson.ObjectID {
	var id bson.ObjectID
	for i := range id {
		id[i] = b
	}
	return id
}

// The placeholders' parts. Each field of a card or comment shows as a text
// found nowhere else in its markup: braces for texts, numbers no image
// has, keys for images.
var (
	slotImage  = store.ImageRef{Key: "slot-image", Ext: "jpg", Width: 70001, Height: 70002}
	slotAvatar = store.ImageRef{Key: "slot-avatar", Ext: "jpg", Width: 1, Height: 1}
	slotAuthor = store.Card{ID: placeholderID(0xbb), Nickname: "{nickname}", Avatar: slotAvatar}
	slotTime   = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
)

// slotPin is the placeholder of the card template.
func slotPin() store.PinView {
	return store.PinView{
		Pin:    store.Pin{ID: placeholderID(0xaa), Title: "{title}", Image: slotImage},
		Author: slotAuthor,
		Counts: store.PinCounts{Likes: 70003},
	}
}

// cardSlots are the texts of p a card shows, by the names grid.js fills.
func cardSlots(p store.PinView) map[string]string {
	return map[string]string{
		"id": p.ID.Hex(), "title": p.Title,
		"thumb": thumbURL(p.Image), "detail": detailURL(p.Image),
		"width": strconv.Itoa(p.Image.Width), "height": strconv.Itoa(p.Image.Height),
		"author": p.Author.ID.Hex(), "nickname": p.Author.Nickname, "avatar": avatarURL(p.Author.Avatar),
		"likes": strconv.FormatInt(p.Counts.Likes, 10),
	}
}

// slotComment is the placeholder of a comment template by author.
func slotComment(author bson.ObjectID) store.CommentView {
	a := slotAuthor
	a.ID = author
	return store.CommentView{
		Comment: store.Comment{ID: placeholderID(0xcc), Content: "{content}", CreatedAt: slotTime},
		Author:  a,
	}
}

// commentSlots are the texts of c a comment shows, by the names
// actions.js fills.
func commentSlots(tr translator, c store.CommentView) map[string]string {
	return map[string]string{
		"id": c.ID.Hex(), "content": c.Content,
		"author": c.Author.ID.Hex(), "nickname": c.Author.Nickname, "avatar": avatarURL(c.Author.Avatar),
		"iso": isoTime(c.CreatedAt), "date": tr.Date(c.CreatedAt),
	}
}

// cardTemplate is the "card-template" of lang: a card is the same for
// every viewer.
func (f *fragments) cardTemplate(lang string, tr translator) (slotted, error) {
	p := slotPin()
	html, err := f.cards(lang, tr, []store.PinView{p})
	return newSlotted("card-template", html, cardSlots(p)), err
}

// commentTemplates are the comment templates of v's page: another
// person's comment ("comment-template") and, for a signed-in viewer, one
// of their own ("comment-template-mine", with its delete form).
func (f *fragments) commentTemplates(lang string, tr translator, v *view) ([]slotted, error) {
	others := slotComment(slotAuthor.ID)
	html, err := f.comment(lang, others, v)
	if err != nil || v.Me == nil {
		return []slotted{newSlotted("comment-template", html, commentSlots(tr, others))}, err
	}
	mine := slotComment(v.Me.ID)
	mineHTML, err := f.comment(lang, mine, v)
	return []slotted{
		newSlotted("comment-template", html, commentSlots(tr, others)),
		newSlotted("comment-template-mine", mineHTML, commentSlots(tr, mine)),
	}, err
}

func newSlotted(id string, html template.HTML, slots map[string]string) slotted {
	b, _ := json.Marshal(slots) // a map of strings always encodes
	return slotted{ID: id, HTML: html, Slots: string(b)}
}

// isoTime is a page's machine-readable time (a datetime attribute): UTC,
// to the second.
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
