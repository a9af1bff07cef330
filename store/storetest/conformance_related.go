package storetest

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// relatedTests: the pins under a pin (docs/API.md §Related pins).
var relatedTests = []conformanceTest{
	{"groups first, then title words", testRelatedPins},
	{"a cursor outlives its pin", testRelatedCursorAfterDelete},
}

// testRelatedPins: the pins sharing a public group with a pin (posted or
// saved) come first, newest first, then the pins sharing a whole word of
// its title, newest first; never the pin itself, none twice, the same
// in pages of any size, and a secret group's pins are not its neighbours.
func testRelatedPins(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	ctx := t.Context()
	a, bob, carol := newUser(t, st, "a").ID, newUser(t, st, "bob").ID, newUser(t, st, "car").ID
	ga, gb, gx := newGroup(t, st, a), newGroup(t, st, bob), newGroup(t, st, carol)
	secret := newSecretGroup(t, st, carol, "hidden")
	w1 := newPin(t, st, carol, gx, "fox den", "").ID
	n1 := newPin(t, st, a, ga, "red fox too", "").ID // in the group and sharing words: listed once
	pin := newPin(t, st, a, ga, "Red Fox", "").ID
	x := newPin(t, st, carol, gx, "elsewhere", "").ID
	s1 := newPin(t, st, carol, secret, "zzz", "").ID
	newPin(t, st, carol, gx, "blue sky", "")           // unrelated
	newPin(t, st, carol, gx, "foxes", "")              // a longer word is another word
	w2 := newPin(t, st, carol, gx, "a RED car", "").ID // a word of the title, any case
	b1 := newPin(t, st, bob, gb, "bob's", "").ID       // shares gb, where bob saved pin
	n2 := newPin(t, st, a, ga, "plain", "").ID         // shares ga
	mustSave(t, st, pin, gb, bob)
	mustSave(t, st, x, gb, bob)         // saved into a shared group: a neighbour
	mustSave(t, st, pin, secret, carol) // a secret group shares nothing
	_ = s1
	groupPart := []bson.ObjectID{n2, b1, x, n1}
	slices.SortFunc(groupPart, func(p, q bson.ObjectID) int { return slices.Compare(q[:], p[:]) })
	want := append(groupPart, w2, w1)
	all := func(limit int, viewer bson.ObjectID) []bson.ObjectID {
		pins, _ := allPages(t, limit, func(p store.Page) ([]store.PinView, *string, error) {
			return b.FindRelatedPins(ctx, pin, viewer, p)
		})
		return ids(pins, pinID)
	}
	for _, limit := range []int{1, 2, 3, 100} {
		wantIDs(t, "related", all(limit, bson.NilObjectID), want)
	}
	wantIDs(t, "related for a viewer", all(4, bob), want)
	pins, _, err := b.FindRelatedPins(ctx, pin, bob, store.Page{Limit: 1})
	if err != nil || len(pins) != 1 || pins[0].Counts.Saves != 0 || len(pins[0].SavedGroupIDs) != 0 {
		t.Fatalf("first related pin as bob sees it = %+v, %v", pins, err)
	}
	_, next, err := b.FindRelatedPins(ctx, pin, bson.NilObjectID, store.Page{Limit: 5})
	if err != nil || next == nil {
		t.Fatalf("first page: %v, %v", next, err)
	}
	// A cursor of one pin's list is not another's.
	_, _, err = b.FindRelatedPins(ctx, n1, bson.NilObjectID, store.Page{Cursor: *next})
	wantCode(t, err, store.EMalformed)
	_, _, err = b.FindRelatedPins(ctx, bson.NewObjectID(), bson.NilObjectID, store.Page{})
	wantCode(t, err, store.ENotFound)
	// A pin with nothing in common has no neighbours.
	lone := newPin(t, st, carol, newGroup(t, st, carol), "!!", "").ID
	if got, next, err := b.FindRelatedPins(ctx, lone, bson.NilObjectID, store.Page{}); err != nil || len(got) != 0 || next != nil {
		t.Fatalf("lone pin: %v, %v, %v", got, next, err)
	}
}

// testRelatedCursorAfterDelete: a cursor of either part stays valid when
// the pin it follows is deleted (docs/API.md §Lists): the list goes on
// with the next older pin of that part.
func testRelatedCursorAfterDelete(t *testing.T, s *suite) {
	st := s.store(t)
	b := boards(t, st)
	ctx := t.Context()
	a, c := newUser(t, st, "a").ID, newUser(t, st, "c").ID
	ga, gc := newGroup(t, st, a), newGroup(t, st, c)
	w1 := newPin(t, st, c, gc, "red one", "").ID
	w2 := newPin(t, st, c, gc, "red two", "").ID
	w3 := newPin(t, st, c, gc, "red three", "").ID
	n1 := newPin(t, st, a, ga, "plain one", "").ID
	n2 := newPin(t, st, a, ga, "plain two", "").ID
	pin := newPin(t, st, a, ga, "Red", "").ID
	page := func(cursor string) ([]bson.ObjectID, *string) {
		t.Helper()
		pins, next, err := b.FindRelatedPins(ctx, pin, bson.NilObjectID, store.Page{Cursor: cursor, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return ids(pins, pinID), next
	}
	got, next := page("")
	wantIDs(t, "first page", got, []bson.ObjectID{n2})
	if err := st.DeletePin(ctx, n2, a); err != nil {
		t.Fatal(err)
	}
	got, next = page(*next)
	wantIDs(t, "after a deleted group neighbour", got, []bson.ObjectID{n1})
	got, next = page(*next)
	wantIDs(t, "the words part", got, []bson.ObjectID{w3})
	if err := st.DeletePin(ctx, w3, c); err != nil {
		t.Fatal(err)
	}
	var rest []bson.ObjectID
	for next != nil {
		got, next = page(*next)
		rest = append(rest, got...)
	}
	wantIDs(t, "after a deleted word neighbour", rest, []bson.ObjectID{w2, w1})
}
