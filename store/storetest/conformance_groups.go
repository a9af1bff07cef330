package storetest

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// groupTests: pin groups are owned, validated, counted, and deleted with
// their pins (docs/API.md §Groups, §Deletion).
var groupTests = []conformanceTest{
	{"validation", testGroupValidation},
	{"public and secret", testGroupVisibility},
	{"pin counts", testGroupPinCounts},
	{"choices", testGroupChoices},
	{"group pins pages", testGroupPinsPages},
	{"delete cascades to pins", testDeleteGroupCascade},
}

func testGroupValidation(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	cases := []struct {
		name, title, content string
		img                  store.ImageRef
		field                string // "" = accepted
	}{
		{"ok", strings.Repeat("판", 50), strings.Repeat("x", 5000), image, ""},
		{"title missing", " ", "", image, "title"},
		{"title too long", strings.Repeat("판", 51), "", image, "title"},
		{"content too long", "t", strings.Repeat("x", 5001), image, "content"},
		{"no cover", "t", "", store.ImageRef{}, ""},
	}
	for _, tc := range cases {
		t.Run("create "+tc.name, func(t *testing.T) {
			g, err := st.CreateGroup(ctx, me, store.GroupInput{Title: tc.title, Content: tc.content}, tc.img)
			if tc.field != "" {
				wantField(t, err, tc.field)
				return
			}
			wantCode(t, err, "")
			if g.OwnerID != me || g.PinCount != 0 || g.Title != tc.title || g.Image != tc.img || g.ID.IsZero() {
				t.Fatalf("group = %+v", g)
			}
		})
	}
	if groups, err := st.FindGroupsByOwner(ctx, me); err != nil || len(groups) != 2 {
		t.Fatalf("refused groups were stored: %d groups, %v", len(groups), err)
	}
	g := newGroup(t, st, me)
	// An edit may not take the cover away by sending an empty one.
	cases[len(cases)-1].field = "image"
	for _, tc := range cases[1:] {
		t.Run("update "+tc.name, func(t *testing.T) {
			title, content, img := tc.title, tc.content, tc.img
			_, err := st.UpdateGroup(ctx, g, me, store.GroupPatch{Title: &title, Content: &content, Image: &img})
			wantField(t, err, tc.field)
		})
	}
	title, content := "  renamed ", "about"
	up, err := st.UpdateGroup(ctx, g, me, store.GroupPatch{Title: &title, Content: &content})
	if err != nil || up.Title != "renamed" || up.Content != "about" || up.Image != image {
		t.Fatalf("update = %+v, %v", up, err)
	}
	got, err := st.FindGroup(ctx, g, me)
	if err != nil || got.Title != "renamed" || got.Content != "about" || got.Image != image {
		t.Fatalf("read after update = %+v, %v", got, err)
	}
	cover := store.ImageRef{Key: "cover", Ext: "jpg", Width: 1, Height: 1}
	if up, err := st.UpdateGroup(ctx, g, me, store.GroupPatch{Image: &cover}); err != nil || up.Image != cover || up.Title != "renamed" {
		t.Fatalf("new cover = %+v, %v", up, err)
	}
}

// testGroupVisibility: everyone (anonymous too) sees a public group and
// its pins; only the owner edits or deletes it (others are forbidden). A
// secret group exists only for its owner: not found for everyone else,
// whatever they try. Secret is false unless asked for, and can change.
func testGroupVisibility(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, other := newUser(t, st, "me").ID, newUser(t, st, "other").ID
	pub := newGroup(t, st, me)
	newPin(t, st, me, pub, "p", "")
	sec, err := st.CreateGroup(ctx, me, store.GroupInput{Title: "hidden", Secret: true}, store.ImageRef{})
	if err != nil || !sec.Secret || !sec.Image.IsZero() {
		t.Fatalf("secret group = %+v, %v", sec, err)
	}
	newPin(t, st, me, sec.ID, "q", "")
	for _, viewer := range []bson.ObjectID{other, bson.NilObjectID, me} {
		g, err := st.FindGroup(ctx, pub, viewer)
		if err != nil || g.Secret || g.PinCount != 1 || g.OwnerID != me {
			t.Fatalf("public group seen by %s = %+v, %v", viewer.Hex(), g, err)
		}
		if n := len(groupPinIDs(t, st, pub, viewer)); n != 1 {
			t.Fatalf("public group's pins seen by %s: %d", viewer.Hex(), n)
		}
	}
	title := "hijack"
	secret := true
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"update public", func() error { _, err := st.UpdateGroup(ctx, pub, other, store.GroupPatch{Title: &title}); return err }, store.EForbidden},
		{"make public secret", func() error {
			_, err := st.UpdateGroup(ctx, pub, other, store.GroupPatch{Secret: &secret})
			return err
		}, store.EForbidden},
		{"delete public", func() error { _, err := st.DeleteGroup(ctx, pub, other); return err }, store.EForbidden},
		{"find secret", func() error { _, err := st.FindGroup(ctx, sec.ID, other); return err }, store.ENotFound},
		{"find secret anonymous", func() error { _, err := st.FindGroup(ctx, sec.ID, bson.NilObjectID); return err }, store.ENotFound},
		{"secret pins", func() error { _, _, err := st.FindGroupPins(ctx, sec.ID, other, store.Page{}); return err }, store.ENotFound},
		{"secret pins anonymous", func() error {
			_, _, err := st.FindGroupPins(ctx, sec.ID, bson.NilObjectID, store.Page{})
			return err
		}, store.ENotFound},
		{"update secret", func() error {
			_, err := st.UpdateGroup(ctx, sec.ID, other, store.GroupPatch{Title: &title})
			return err
		}, store.ENotFound},
		{"delete secret", func() error { _, err := st.DeleteGroup(ctx, sec.ID, other); return err }, store.ENotFound},
		{"find unknown", func() error { _, err := st.FindGroup(ctx, bson.NewObjectID(), me); return err }, store.ENotFound},
		{"pins unknown", func() error { _, _, err := st.FindGroupPins(ctx, bson.NewObjectID(), me, store.Page{}); return err }, store.ENotFound},
		{"update unknown", func() error {
			_, err := st.UpdateGroup(ctx, bson.NewObjectID(), me, store.GroupPatch{Title: &title})
			return err
		}, store.ENotFound},
		{"delete unknown", func() error { _, err := st.DeleteGroup(ctx, bson.NewObjectID(), me); return err }, store.ENotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
	got, err := st.FindGroup(ctx, sec.ID, me)
	if err != nil || got.Title != "hidden" || got.PinCount != 1 || !got.Secret {
		t.Fatalf("secret group as its owner sees it = %+v, %v", got, err)
	}
	if n := len(groupPinIDs(t, st, sec.ID, me)); n != 1 {
		t.Fatalf("secret group's pins as its owner sees them: %d", n)
	}
	// The pins of a secret group are still pins: anyone opens them.
	if pins := gridIDs(t, st); len(pins) != 2 {
		t.Fatalf("grid holds %d pins, want 2", len(pins))
	}
	if groups, err := st.FindGroupsByOwner(ctx, other); err != nil || len(groups) != 0 {
		t.Fatalf("other's groups = %+v, %v", groups, err)
	}
	// Secret and public again: the flag changes both ways.
	if up, err := st.UpdateGroup(ctx, pub, me, store.GroupPatch{Secret: &secret}); err != nil || !up.Secret {
		t.Fatalf("make secret = %+v, %v", up, err)
	}
	_, err = st.FindGroup(ctx, pub, other)
	wantCode(t, err, store.ENotFound)
	open := false
	if up, err := st.UpdateGroup(ctx, pub, me, store.GroupPatch{Secret: &open}); err != nil || up.Secret {
		t.Fatalf("make public = %+v, %v", up, err)
	}
	if _, err := st.FindGroup(ctx, pub, other); err != nil {
		t.Fatalf("public again: %v", err)
	}
}

// testGroupPinCounts: every group's pin count equals its list, through
// creates, moves and deletes; FindGroupsByOwner is newest first.
func testGroupPinCounts(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	g1, g2 := newGroup(t, st, me), newGroup(t, st, me)
	newGroup(t, st, newUser(t, st, "other").ID)
	check := func(want map[bson.ObjectID]int64) {
		t.Helper()
		groups := wantGroupRecount(t, st, me)
		wantIDs(t, "groups", ids(groups, func(g store.GroupView) bson.ObjectID { return g.ID }), []bson.ObjectID{g2, g1})
		for _, g := range groups {
			if g.PinCount != want[g.ID] {
				t.Fatalf("group %s: %d pins, want %d", g.ID.Hex(), g.PinCount, want[g.ID])
			}
		}
	}
	check(nil)
	p := newPin(t, st, me, g1, "a", "")
	newPin(t, st, me, g1, "b", "")
	check(map[bson.ObjectID]int64{g1: 2})
	if _, err := st.UpdatePin(ctx, p.ID, me, store.PinPatch{GroupID: &g2}); err != nil {
		t.Fatal(err)
	}
	check(map[bson.ObjectID]int64{g1: 1, g2: 1})
	if err := st.DeletePin(ctx, p.ID, me); err != nil {
		t.Fatal(err)
	}
	check(map[bson.ObjectID]int64{g1: 1})
}

// testGroupChoices: FindGroupChoices lists the owner's groups (secret ones
// too) newest first, with their titles, and no one else's.
func testGroupChoices(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	first := newGroup(t, st, me)
	secret, err := st.CreateGroup(ctx, me, store.GroupInput{Title: "hidden", Secret: true}, image)
	if err != nil {
		t.Fatal(err)
	}
	newGroup(t, st, newUser(t, st, "other").ID)
	got, err := st.FindGroupChoices(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "choices", ids(got, func(g store.Group) bson.ObjectID { return g.ID }), []bson.ObjectID{secret.ID, first})
	if got[0].Title != "hidden" || !got[0].Secret || got[1].Title != "board" || got[1].Secret {
		t.Fatalf("choices %+v, want hidden (secret) then board", got)
	}
	if _, err := st.DeleteGroup(ctx, first, me); err != nil {
		t.Fatal(err)
	}
	if got, err := st.FindGroupChoices(ctx, me); err != nil || len(got) != 1 || got[0].ID != secret.ID {
		t.Fatalf("after delete: %+v, %v", got, err)
	}
}

// testGroupPinsPages: a group's pins page newest first, only its own.
func testGroupPinsPages(t *testing.T, s *suite) {
	st := s.store(t)
	me := newUser(t, st, "me").ID
	g, other := newGroup(t, st, me), newGroup(t, st, me)
	var want []bson.ObjectID
	for i := range 9 {
		want = append([]bson.ObjectID{newPin(t, st, me, g, "in", "").ID}, want...)
		if i%3 == 0 {
			newPin(t, st, me, other, "out", "")
		}
	}
	pins, sizes := allPages(t, 4, func(p store.Page) ([]store.PinView, *string, error) {
		return st.FindGroupPins(t.Context(), g, me, p)
	})
	wantIDs(t, "group pins", ids(pins, pinID), want)
	if len(sizes) != 3 {
		t.Errorf("page sizes = %v, want 3 pages", sizes)
	}
	for _, p := range pins {
		if p.GroupID != g || p.Author.ID != me {
			t.Fatalf("pin %+v", p)
		}
	}
}

func testDeleteGroupCascade(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, fan := newUser(t, st, "me").ID, newUser(t, st, "fan").ID
	g, other := newGroup(t, st, me), newGroup(t, st, me)
	var pins []bson.ObjectID
	for range 3 {
		p := newPin(t, st, me, g, "in group", "")
		seedChildren(t, st, p.ID, me, fan)
		pins = append(pins, p.ID)
	}
	survivor := newPin(t, st, me, other, "elsewhere", "")
	seedChildren(t, st, survivor.ID, me, fan)
	wantProfileRecount(t, st, me) // read first: no stale count may stay
	deleted, err := st.DeleteGroup(ctx, g, me)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(deleted, pins) {
		t.Fatalf("DeleteGroup returned pins %v, want %v", deleted, pins)
	}
	for _, p := range pins {
		wantPinGone(t, st, p, me, fan)
	}
	_, err = st.FindGroup(ctx, g, me)
	wantCode(t, err, store.ENotFound)
	_, _, err = st.FindGroupPins(ctx, g, me, store.Page{})
	wantCode(t, err, store.ENotFound)
	groups := wantGroupRecount(t, st, me)
	if len(groups) != 1 || groups[0].ID != other || groups[0].PinCount != 1 {
		t.Fatalf("groups after delete = %+v", groups)
	}
	wantIDs(t, "grid", gridIDs(t, st), []bson.ObjectID{survivor.ID})
	if p := wantProfileRecount(t, st, me); p.PinCount != 1 {
		t.Fatalf("profile = %+v", p)
	}
	if c := wantPinRecount(t, st, survivor.ID, []bson.ObjectID{me, fan}); c != (store.PinCounts{Likes: 1, Bookmarks: 1, Comments: 1}) {
		t.Fatalf("survivor counts = %+v", c)
	}
	_, err = st.DeleteGroup(ctx, g, me)
	wantCode(t, err, store.ENotFound)
}
