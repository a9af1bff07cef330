package storetest

import (
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// boardTests: saves, public groups on profiles and their previews, and
// the searches of groups and people (docs/API.md §Groups, §Saves, §Search).
var boardTests = []conformanceTest{
	{"save rules", testSaveRules},
	{"group lists posted and saved pins", testGroupAdditions},
	{"saved_group_ids in lists", testSavedInLists},
	{"save cascades", testSaveCascades},
	{"moving a pin into a group it was saved into", testMoveIntoSavedGroup},
	{"user groups", testUserGroups},
	{"group previews", testGroupPreviews},
	{"search groups", testSearchGroups},
	{"search users", testSearchUsers},
	{"save notifies once a day", testSaveNotifiesOnce},
}

// boards returns st's store.Boards part.
func boards(t *testing.T, st store.Store) store.Boards {
	t.Helper()
	return st
}

// mustSave saves pin into group for user.
func mustSave(t *testing.T, st store.Store, pin, group, user bson.ObjectID) store.SaveState {
	t.Helper()
	r, err := boards(t, st).SetSave(t.Context(), pin, group, user, true)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	return r.State
}

// newSecretGroup creates a secret group of owner, without a cover.
func newSecretGroup(t *testing.T, st store.Store, owner bson.ObjectID, title string) bson.ObjectID {
	t.Helper()
	g, err := st.CreateGroup(t.Context(), owner, store.GroupInput{Title: title, Secret: true}, store.ImageRef{})
	if err != nil {
		t.Fatalf("create secret group: %v", err)
	}
	return g.ID
}

// testSaveRules: anyone signed in saves any pin (their own too) into
// their own group, once per group, idempotently; a foreign public group
// is forbidden, a foreign secret group, a missing pin or group not found;
// a pin cannot be saved into the group it was posted in.
func testSaveRules(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	ctx := t.Context()
	author, me, other := newUser(t, st, "auth").ID, newUser(t, st, "me").ID, newUser(t, st, "oth").ID
	ga, mine, mine2 := newGroup(t, st, author), newGroup(t, st, me), newGroup(t, st, me)
	pin := newPin(t, st, author, ga, "saved", "").ID
	r1, err := b.SetSave(ctx, pin, mine, me, true)
	if st1 := r1.State; err != nil || !r1.Changed || !st1.Saved || st1.SaveCount != 1 || st1.GroupID != mine || r1.Pin == nil || r1.Pin.AuthorID != author {
		t.Fatalf("save = %+v, %v", r1, err)
	}
	if r2, err := b.SetSave(ctx, pin, mine, me, true); err != nil || r2.Changed || r2.State.SaveCount != 1 || !r2.State.Saved {
		t.Fatalf("save again = %+v, %v", r2, err)
	}
	mustSave(t, st, pin, mine2, me)
	ownPin := newPin(t, st, me, mine, "own", "").ID
	if st3 := mustSave(t, st, ownPin, mine2, me); st3.SaveCount != 1 {
		t.Fatalf("saving one's own pin = %+v", st3)
	}
	v, err := st.FindPin(ctx, pin, me)
	if err != nil || v.Counts.Saves != 2 || !slices.Equal(v.SavedGroupIDs, sorted(mine, mine2)) {
		t.Fatalf("pin as the saver sees it = %+v, %v", v, err)
	}
	for _, viewer := range []bson.ObjectID{bson.NilObjectID, other, author} {
		v, err := st.FindPin(ctx, pin, viewer)
		if err != nil || v.Counts.Saves != 2 || v.SavedGroupIDs == nil || len(v.SavedGroupIDs) != 0 {
			t.Fatalf("pin as %s sees it = %+v, %v", viewer.Hex(), v, err)
		}
	}
	secret := newSecretGroup(t, st, other, "mine only")
	cases := []struct {
		name              string
		pin, group, actor bson.ObjectID
		code              string
	}{
		{"foreign public group", pin, ga, me, store.EForbidden},
		{"foreign secret group", pin, secret, me, store.ENotFound},
		{"missing pin", bson.NewObjectID(), mine, me, store.ENotFound},
		{"missing group", pin, bson.NewObjectID(), me, store.ENotFound},
		{"the group it was posted in", pin, ga, author, store.EInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.SetSave(ctx, tc.pin, tc.group, tc.actor, true)
			wantCode(t, err, tc.code)
			if e := (*store.Error)(nil); tc.code == store.EInvalid && (!errors.As(err, &e) || e.Reason.Code != store.ReasonAlreadyInGroup) {
				t.Errorf("error = %v, want the reason %s for the form", err, store.ReasonAlreadyInGroup)
			}
			if tc.code != store.EInvalid {
				_, err = b.SetSave(ctx, tc.pin, tc.group, tc.actor, false)
				wantCode(t, err, tc.code)
			}
		})
	}
	for range 2 {
		r4, err := b.SetSave(ctx, pin, mine, me, false)
		if st4 := r4.State; err != nil || st4.Saved || st4.SaveCount != 1 {
			t.Fatalf("unsave = %+v, %v", st4, err)
		}
	}
	if c := wantPinRecount(t, st, pin, []bson.ObjectID{me, other, author}); c.Saves != 1 {
		t.Fatalf("counts = %+v", c)
	}
	wantGroupRecount(t, st, me)
}

// sorted returns ids in id order, as SavedGroupIDs lists them.
func sorted(ids ...bson.ObjectID) []bson.ObjectID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b bson.ObjectID) int { return slices.Compare(a[:], b[:]) })
	return out
}

// testGroupAdditions: a group lists the pins posted and saved into it,
// newest addition first (a pin saved today after one posted yesterday
// comes first, even if the saved pin is older), each still its author's,
// in pages; its pin count counts both, and anyone sees a public group's.
func testGroupAdditions(t *testing.T, s *suite) {
	st := s.store(t)
	me, author := newUser(t, st, "me").ID, newUser(t, st, "auth").ID
	ga := newGroup(t, st, author)
	old := make([]bson.ObjectID, 4)
	for i := range old {
		old[i] = newPin(t, st, author, ga, "old", "").ID
	}
	g := newGroup(t, st, me)
	var want []bson.ObjectID
	for i := range 4 {
		want = append([]bson.ObjectID{newPin(t, st, me, g, "posted", "").ID}, want...)
		mustSave(t, st, old[i], g, me)
		want = append([]bson.ObjectID{old[i]}, want...)
	}
	for _, viewer := range []bson.ObjectID{me, author, bson.NilObjectID} {
		pins, sizes := allPages(t, 3, func(p store.Page) ([]store.PinView, *string, error) {
			return st.FindGroupPins(t.Context(), g, viewer, p)
		})
		wantIDs(t, "group additions", ids(pins, pinID), want)
		if !slices.Equal(sizes, []int{3, 3, 2}) {
			t.Fatalf("page sizes = %v", sizes)
		}
		for _, p := range pins {
			if wantAuthor := map[bool]bson.ObjectID{true: author, false: me}[slices.Contains(old, p.ID)]; p.Author.ID != wantAuthor {
				t.Fatalf("pin %s credited to %s, want %s", p.ID.Hex(), p.Author.ID.Hex(), wantAuthor.Hex())
			}
		}
	}
	groups := wantGroupRecount(t, st, me)
	if len(groups) != 1 || groups[0].PinCount != 8 {
		t.Fatalf("groups = %+v", groups)
	}
	wantGroupRecount(t, st, author)
}

// testSavedInLists: every list of pins says which of the viewer's groups
// each was saved into, and how often it was saved.
func testSavedInLists(t *testing.T, s *suite) {
	st := s.store(t)
	me, author := newUser(t, st, "me").ID, newUser(t, st, "auth").ID
	ga, g1, g2 := newGroup(t, st, author), newGroup(t, st, me), newGroup(t, st, me)
	a, b := newPin(t, st, author, ga, "a", "").ID, newPin(t, st, author, ga, "b", "").ID
	mustSave(t, st, a, g1, me)
	mustSave(t, st, a, g2, me)
	mustSave(t, st, b, g2, me)
	want := map[bson.ObjectID][]bson.ObjectID{a: sorted(g1, g2), b: {g2}}
	lists := map[string]func(p store.Page) ([]store.PinView, *string, error){
		"grid": func(p store.Page) ([]store.PinView, *string, error) {
			return st.FindPins(t.Context(), store.PinQuery{}, me, p)
		},
		"author": func(p store.Page) ([]store.PinView, *string, error) {
			return st.FindPins(t.Context(), store.PinQuery{AuthorID: author}, me, p)
		},
		"group": func(p store.Page) ([]store.PinView, *string, error) { return st.FindGroupPins(t.Context(), g2, me, p) },
	}
	for name, list := range lists {
		pins, _ := allPages(t, 1, list)
		if len(pins) != 2 {
			t.Fatalf("%s: %d pins", name, len(pins))
		}
		for _, p := range pins {
			if !slices.Equal(p.SavedGroupIDs, want[p.ID]) || p.Counts.Saves != int64(len(want[p.ID])) {
				t.Fatalf("%s: pin %s saved into %v (%d saves), want %v", name, p.Title, p.SavedGroupIDs, p.Counts.Saves, want[p.ID])
			}
		}
	}
}

// testSaveCascades: deleting a pin removes its saves; deleting a group
// removes the saves into it but never the saved pins; deleting an account
// removes its saves; every count is right afterwards.
func testSaveCascades(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	author, me, fan := newUser(t, st, "auth"), newUser(t, st, "me"), newUser(t, st, "fan")
	ga := newGroup(t, st, author.ID)
	gm, gm2, gf := newGroup(t, st, me.ID), newGroup(t, st, me.ID), newGroup(t, st, fan.ID)
	doomed, kept := newPin(t, st, author.ID, ga, "doomed", "").ID, newPin(t, st, author.ID, ga, "kept", "").ID
	for _, g := range []bson.ObjectID{gm, gm2} {
		mustSave(t, st, doomed, g, me.ID)
		mustSave(t, st, kept, g, me.ID)
	}
	mustSave(t, st, kept, gf, fan.ID)
	users := []bson.ObjectID{author.ID, me.ID, fan.ID}

	if err := st.DeletePin(ctx, doomed, author.ID); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "group after its saved pin was deleted", groupPinIDs(t, st, gm, me.ID), []bson.ObjectID{kept})
	wantGroupRecount(t, st, me.ID)

	if _, err := st.DeleteGroup(ctx, gm, me.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FindPin(ctx, kept, bson.NilObjectID); err != nil {
		t.Fatalf("a pin saved into a deleted group went with it: %v", err)
	}
	if c := wantPinRecount(t, st, kept, users); c.Saves != 2 {
		t.Fatalf("counts after the group went = %+v", c)
	}
	wantGroupRecount(t, st, me.ID)
	wantGroupRecount(t, st, author.ID)

	if _, err := st.DeleteUser(ctx, me.ID, password); err != nil {
		t.Fatal(err)
	}
	if c := wantPinRecount(t, st, kept, []bson.ObjectID{author.ID, fan.ID}); c.Saves != 1 {
		t.Fatalf("counts after the saver left = %+v", c)
	}
	wantIDs(t, "fan's group", groupPinIDs(t, st, gf, fan.ID), []bson.ObjectID{kept})
	wantGroupRecount(t, st, fan.ID)

	// The author leaves: their pin goes, and with it the fan's save.
	if _, err := st.DeleteUser(ctx, author.ID, password); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "fan's group after the author left", groupPinIDs(t, st, gf, fan.ID), nil)
	wantGroupRecount(t, st, fan.ID)
}

// testMoveIntoSavedGroup: a pin its author moves into a group they had
// saved it into is listed there once and counted once.
func testMoveIntoSavedGroup(t *testing.T, s *suite) {
	st := s.store(t)
	me := newUser(t, st, "me").ID
	g1, g2 := newGroup(t, st, me), newGroup(t, st, me)
	p := newPin(t, st, me, g1, "p", "").ID
	mustSave(t, st, p, g2, me)
	if _, err := st.UpdatePin(t.Context(), p, me, store.PinPatch{GroupID: &g2}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "group moved into", groupPinIDs(t, st, g2, me), []bson.ObjectID{p})
	wantGroupRecount(t, st, me)
	if c := wantPinRecount(t, st, p, []bson.ObjectID{me}); c.Saves != 0 {
		t.Fatalf("counts = %+v", c)
	}
}

// testUserGroups: a user's groups as others see them are the public ones,
// newest first, in pages; the owner sees all of them.
func testUserGroups(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	me, other := newUser(t, st, "me").ID, newUser(t, st, "oth").ID
	var public, all []bson.ObjectID
	for i := range 7 {
		var g bson.ObjectID
		if i%3 == 1 {
			g = newSecretGroup(t, st, me, "secret")
		} else {
			g = newGroup(t, st, me)
			public = append([]bson.ObjectID{g}, public...)
		}
		all = append([]bson.ObjectID{g}, all...)
	}
	newGroup(t, st, other)
	groupID := func(g store.GroupView) bson.ObjectID { return g.ID }
	for _, tc := range []struct {
		name   string
		viewer bson.ObjectID
		want   []bson.ObjectID
	}{{"other", other, public}, {"anonymous", bson.NilObjectID, public}, {"owner", me, all}} {
		groups, sizes := allPages(t, 2, func(p store.Page) ([]store.GroupView, *string, error) {
			return b.FindUserGroups(t.Context(), me, tc.viewer, p)
		})
		wantIDs(t, tc.name, ids(groups, groupID), tc.want)
		if len(sizes) != (len(tc.want)+1)/2 {
			t.Fatalf("%s: page sizes %v", tc.name, sizes)
		}
	}
	_, _, err := b.FindUserGroups(t.Context(), me, other, store.Page{Cursor: "bogus"})
	wantCode(t, err, store.EMalformed)
}

// testGroupPreviews: group lists carry the images of each group's newest
// additions, posted or saved, at most store.PreviewPins, newest first; they
// follow an unsave, a new image (of a pin posted or saved there), a pin
// moved to another group and a pin deleted.
func testGroupPreviews(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	me, author := newUser(t, st, "me").ID, newUser(t, st, "auth").ID
	ga := newGroup(t, st, author)
	empty, g := newGroup(t, st, me), newGroup(t, st, me)
	img := func(i int) store.ImageRef {
		return store.ImageRef{Key: "k" + string(rune('a'+i)), Ext: "jpg", Width: i + 1, Height: 1}
	}
	pins := make([]bson.ObjectID, 6)
	for i := range pins {
		if i%2 == 0 {
			p, err := st.CreatePin(t.Context(), me, store.PinInput{Title: "p", GroupID: g}, img(i))
			if err != nil {
				t.Fatal(err)
			}
			pins[i] = p.ID
		} else {
			p, err := st.CreatePin(t.Context(), author, store.PinInput{Title: "s", GroupID: ga}, img(i))
			if err != nil {
				t.Fatal(err)
			}
			mustSave(t, st, p.ID, g, me)
			pins[i] = p.ID
		}
	}
	check := func(name string, want map[bson.ObjectID][]store.ImageRef) {
		t.Helper()
		owned, err := st.FindGroupsByOwner(t.Context(), me)
		if err != nil || len(owned) != 2 {
			t.Fatal(owned, err)
		}
		listed, _, err := b.FindUserGroups(t.Context(), me, bson.NilObjectID, store.Page{})
		if err != nil || len(listed) != 2 {
			t.Fatal(listed, err)
		}
		for _, gv := range append(owned, listed...) {
			if gv.Previews == nil || !slices.Equal(gv.Previews, want[gv.ID]) {
				t.Fatalf("%s: previews of %s %+v, want %+v", name, gv.Title, gv.Previews, want[gv.ID])
			}
		}
	}
	images := func(is ...int) []store.ImageRef {
		out := []store.ImageRef{}
		for _, i := range is {
			out = append(out, img(i))
		}
		return out
	}
	check("posted and saved", map[bson.ObjectID][]store.ImageRef{g: images(5, 4, 3, 2)})
	if _, err := b.SetSave(t.Context(), pins[5], g, me, false); err != nil {
		t.Fatal(err)
	}
	check("unsaved", map[bson.ObjectID][]store.ImageRef{g: images(4, 3, 2, 1)})
	nine := img(9)
	if _, err := st.UpdatePin(t.Context(), pins[4], me, store.PinPatch{Image: &nine}); err != nil {
		t.Fatal(err)
	}
	check("new image", map[bson.ObjectID][]store.ImageRef{g: images(9, 3, 2, 1)})
	if _, err := st.UpdatePin(t.Context(), pins[4], me, store.PinPatch{GroupID: &empty}); err != nil {
		t.Fatal(err)
	}
	check("moved", map[bson.ObjectID][]store.ImageRef{g: images(3, 2, 1, 0), empty: images(9)})
	if err := st.DeletePin(t.Context(), pins[2], me); err != nil {
		t.Fatal(err)
	}
	check("deleted", map[bson.ObjectID][]store.ImageRef{g: images(3, 1, 0), empty: images(9)})
	if err := st.DeletePin(t.Context(), pins[3], author); err != nil {
		t.Fatal(err)
	}
	check("saved pin deleted", map[bson.ObjectID][]store.ImageRef{g: images(1, 0), empty: images(9)})
	eight := img(8)
	if _, err := st.UpdatePin(t.Context(), pins[1], author, store.PinPatch{Image: &eight}); err != nil {
		t.Fatal(err)
	}
	check("saved pin's new image", map[bson.ObjectID][]store.ImageRef{g: images(8, 0), empty: images(9)})
	if _, err := st.CreatePin(t.Context(), me, store.PinInput{Title: "p", GroupID: g}, img(7)); err != nil {
		t.Fatal(err)
	}
	check("posted last", map[bson.ObjectID][]store.ImageRef{g: images(7, 8, 0), empty: images(9)})
}

// testSearchGroups: public groups by the words of their title (each term
// starts a word, any case), newest first, in pages; secret groups never.
func testSearchGroups(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	mk := func(title string, secret bool) bson.ObjectID {
		g, err := st.CreateGroup(ctx, me, store.GroupInput{Title: title, Secret: secret}, store.ImageRef{})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	var cats []bson.ObjectID
	for range 5 {
		cats = append([]bson.ObjectID{mk("Cute Cats", false)}, cats...)
	}
	mk("cats secret", true)
	dogs := mk("Dogs 강아지", false)
	groupID := func(g store.GroupView) bson.ObjectID { return g.ID }
	search := func(q string, limit int) []bson.ObjectID {
		t.Helper()
		groups, _ := allPages(t, limit, func(p store.Page) ([]store.GroupView, *string, error) {
			return b.SearchGroups(ctx, q, p)
		})
		for _, g := range groups {
			if g.Secret {
				t.Fatalf("search %q found a secret group", q)
			}
		}
		return ids(groups, groupID)
	}
	wantIDs(t, "cat", search("cat", 2), cats)
	wantIDs(t, "CUTE ca", search("CUTE ca", 100), cats)
	wantIDs(t, "강아", search("강아", 10), []bson.ObjectID{dogs})
	wantIDs(t, "ute", search("ute", 10), nil)
	wantIDs(t, "punctuation", search("!!", 10), nil)
	secret, title := true, "Puppies"
	if _, err := st.UpdateGroup(ctx, cats[0], me, store.GroupPatch{Secret: &secret}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "cat after one became secret", search("cat", 10), cats[1:])
	if _, err := st.UpdateGroup(ctx, cats[1], me, store.GroupPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "puppies", search("pup", 10), []bson.ObjectID{cats[1]})
	wantIDs(t, "cat after a rename", search("cat", 10), cats[2:])
	if _, err := st.DeleteGroup(ctx, cats[2], me); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "cat after a deletion", search("cat", 10), cats[3:])
	_, _, err := b.SearchGroups(ctx, "cat", store.Page{Cursor: "bogus"})
	wantCode(t, err, store.EMalformed)
}

// testSearchUsers: people by the start of their nickname, any case, in
// nickname order, in pages.
func testSearchUsers(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	ctx := t.Context()
	var want []bson.ObjectID
	for _, nick := range []string{"Zed", "Kimb", "kima", "KIMC", "Kevin", "김철수"} {
		u, err := st.CreateUser(ctx, store.NewUser{Email: nick + "x@example.com", Nickname: nick, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if nick == "kima" || nick == "Kimb" || nick == "KIMC" {
			want = append(want, u.ID)
		}
	}
	search := func(q string, limit int) []bson.ObjectID {
		t.Helper()
		cards, _ := allPages(t, limit, func(p store.Page) ([]store.Card, *string, error) { return b.SearchUsers(ctx, q, p) })
		return ids(cards, cardID)
	}
	got := search("kIm", 2)
	if len(got) != 3 || !sameSet(got, want) {
		t.Fatalf("kim: %v, want %v", got, want)
	}
	cards, _, err := b.SearchUsers(ctx, "KIM", store.Page{})
	if err != nil || len(cards) != 3 || cards[0].Nickname != "kima" || cards[1].Nickname != "Kimb" || cards[2].Nickname != "KIMC" {
		t.Fatalf("kim in nickname order: %+v, %v", cards, err)
	}
	if got := search("김", 10); len(got) != 1 {
		t.Fatalf("김: %v", got)
	}
	if got := search("k", 1); len(got) != 4 {
		t.Fatalf("k: %d users", len(got))
	}
	for _, q := range []string{"", "  ", "x", "imb"} {
		if got := search(q, 10); len(got) != 0 {
			t.Fatalf("%q: %v", q, got)
		}
	}
	_, _, err = b.SearchUsers(ctx, "kim", store.Page{Cursor: "bogus"})
	wantCode(t, err, store.EMalformed)
}

// testSaveNotifiesOnce: saves are deduplicated like likes.
func testSaveNotifiesOnce(t *testing.T, s *suite) {
	st := s.store(t)
	author, fan := newUser(t, st, "auth").ID, newUser(t, st, "fan").ID
	pin := newPin(t, st, author, newGroup(t, st, author), "p", "").ID
	n := 0
	for range 3 {
		ds, err := st.Notify(t.Context(), store.NotifySave, fan, &pin, []bson.ObjectID{author})
		if err != nil {
			t.Fatal(err)
		}
		n += len(ds)
		if len(ds) == 1 && (ds[0].View.Kind != store.NotifySave || ds[0].View.Pin == nil || ds[0].View.Pin.ID != pin) {
			t.Fatalf("delivery = %+v", ds[0])
		}
	}
	if n != 1 {
		t.Fatalf("3 saves delivered %d notifications, want 1", n)
	}
}
