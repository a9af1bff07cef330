package storetest

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// ownerTests: who may edit what, asked before the write (store.FindOwnPin,
// store.FindOwnGroup), answers as the write itself would.
var ownerTests = []conformanceTest{
	{"asking first agrees with the update", testOwnAgreesWithUpdate},
}

// testOwnAgreesWithUpdate: for the author or owner, someone else, and an
// unknown id, FindOwnPin and FindOwnGroup answer the code UpdatePin and
// UpdateGroup answer (404 for someone else's secret group).
func testOwnAgreesWithUpdate(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me, other := newUser(t, st, "me").ID, newUser(t, st, "other").ID
	public := newGroup(t, st, me)
	secret := newSecretGroup(t, st, me, "hidden")
	pin := newPin(t, st, me, public, "mine", "").ID
	title := "renamed"
	for _, tc := range []struct {
		name        string
		pin, group  bson.ObjectID
		actor       bson.ObjectID
		pinCode     string
		publicCode  string
		wantFromOwn bool
	}{
		{"owner", pin, public, me, "", "", true},
		{"someone else", pin, public, other, store.EForbidden, store.EForbidden, false},
		{"unknown", bson.NewObjectID(), bson.NewObjectID(), me, store.ENotFound, store.ENotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := store.FindOwnPin(ctx, st, tc.pin, tc.actor)
			wantCode(t, err, tc.pinCode)
			if tc.wantFromOwn && (p == nil || p.ID != pin) {
				t.Fatalf("FindOwnPin = %+v", p)
			}
			_, err = st.UpdatePin(ctx, tc.pin, tc.actor, store.PinPatch{Title: &title})
			wantCode(t, err, tc.pinCode)
			g, err := store.FindOwnGroup(ctx, st, tc.group, tc.actor)
			wantCode(t, err, tc.publicCode)
			if tc.wantFromOwn && (g == nil || g.ID != public) {
				t.Fatalf("FindOwnGroup = %+v", g)
			}
			_, err = st.UpdateGroup(ctx, tc.group, tc.actor, store.GroupPatch{Title: &title})
			wantCode(t, err, tc.publicCode)
		})
	}
	_, err := store.FindOwnGroup(ctx, st, secret, other)
	wantCode(t, err, store.ENotFound)
	_, err = st.UpdateGroup(ctx, secret, other, store.GroupPatch{Title: &title})
	wantCode(t, err, store.ENotFound)
}
