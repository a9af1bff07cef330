package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// TestResumeDeletionsWithSaves: a crash after a pin or a group was marked
// deleting leaves their saves behind; ResumeDeletions removes them, the
// saved pins of others stay, and every count is right afterwards.
func TestResumeDeletionsWithSaves(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	db := s.Database()
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	doomed, mine, fans := fixtureGroup(t, s, me), fixtureGroup(t, s, me), fixtureGroup(t, s, fan)
	crashed := fixturePin(t, s, me, mine, "crashed", "").ID
	fanPin := fixturePin(t, s, fan, fans, "fan's", "").ID
	for _, sv := range []struct{ pin, group, user bson.ObjectID }{{crashed, fans, fan}, {fanPin, doomed, me}} {
		if _, err := s.SetSave(ctx, sv.pin, sv.group, sv.user, true); err != nil {
			t.Fatal(err)
		}
	}
	mark := bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}
	if _, err := db.Collection("pins").UpdateOne(ctx, bson.D{{Key: "_id", Value: crashed}}, mark); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("groups").UpdateOne(ctx, bson.D{{Key: "_id", Value: doomed}}, mark); err != nil {
		t.Fatal(err)
	}
	if err := s.ResumeDeletions(ctx); err != nil {
		t.Fatal(err)
	}
	if n := recount(t, s, "saves", bson.D{}); n != 0 {
		t.Fatalf("%d saves left", n)
	}
	got, err := s.FindPin(ctx, fanPin, me)
	if err != nil || got.Counts.Saves != 0 || len(got.SavedGroupIDs) != 0 {
		t.Fatalf("the fan's pin after the group went = %+v, %v", got, err)
	}
	g, err := s.FindGroup(ctx, fans, fan)
	if err != nil || g.PinCount != 1 {
		t.Fatalf("the fan's group = %+v, %v", g, err)
	}
	pins, _, err := s.FindGroupPins(ctx, fans, fan, store.Page{})
	if err != nil || len(pins) != 1 || pins[0].ID != fanPin {
		t.Fatalf("the fan's group lists %+v, %v", pins, err)
	}
}
