package main

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/sqlitestore"
)

// The saves are plausible: about savesPerPin per pin, never by the pin's
// author, into one of the saver's own groups, a pin at most once per group,
// in time order; and about one group in secretEvery is secret.
func TestGenerateSavesAndSecretGroups(t *testing.T) {
	m := generate(t, Params{Pins: 20_000, Users: 300, Seed: 1})
	owner := map[bson.ObjectID]bson.ObjectID{}
	secret := 0
	for _, g := range m.all.Groups {
		owner[g.ID] = g.OwnerID
		if g.Secret {
			secret++
		}
	}
	if f := float64(secret) / float64(len(m.all.Groups)); f < 0.15 || f > 0.25 {
		t.Errorf("%d of %d groups are secret (%.2f), want about 1/%d", secret, len(m.all.Groups), f, secretEvery)
	}
	author := map[bson.ObjectID]bson.ObjectID{}
	for _, p := range m.all.Pins {
		author[p.ID] = p.AuthorID
	}
	if per := float64(len(m.all.Saves)) / 20_000; per < 0.2 || per > 0.4 {
		t.Errorf("%d saves for 20,000 pins (%.2f per pin), want about %.1f", len(m.all.Saves), per, savesPerPin)
	}
	seen := map[[2]bson.ObjectID]bool{}
	for k, v := range m.all.Saves {
		if v.UserID == author[v.PinID] || owner[v.GroupID] != v.UserID {
			t.Fatalf("save %d: by %s of %s's pin into %s's group", k, v.UserID.Hex(), author[v.PinID].Hex(), owner[v.GroupID].Hex())
		}
		key := [2]bson.ObjectID{v.PinID, v.GroupID}
		if seen[key] {
			t.Fatalf("save %d: the pin is saved into that group twice", k)
		}
		seen[key] = true
		if k > 0 && v.ID.Hex() <= m.all.Saves[k-1].ID.Hex() {
			t.Fatalf("save %d: ids not in creation order", k)
		}
		if !v.CreatedAt.After(m.g.lay.pinTime(0)) || v.ID.Timestamp().Unix() != v.CreatedAt.Unix() {
			t.Fatalf("save %d: time %v, id time %v", k, v.CreatedAt, v.ID.Timestamp())
		}
	}
	if len(m.g.savedGroups()) == 0 {
		t.Fatal("no saved groups for the state")
	}
}

// After an import into SQLite, every group's pin count and every pin's
// save count equal a recount of the generated records, and the group with
// most saves lists all of them.
func TestSeededSaveCountsMatchARecount(t *testing.T) {
	ctx := context.Background()
	dir, st := seededDir(t)
	mem := generate(t, storeParams)
	if st.Records[store.KindSaves] == 0 || len(st.SavedGroups) == 0 {
		t.Fatalf("the seed wrote %d saves, %d saved groups", st.Records[store.KindSaves], len(st.SavedGroups))
	}
	s, err := sqlitestore.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)

	inGroup := map[bson.ObjectID]int64{}
	saves := map[bson.ObjectID]int64{}
	for _, p := range mem.all.Pins {
		inGroup[p.GroupID]++
	}
	for _, v := range mem.all.Saves {
		inGroup[v.GroupID]++
		saves[v.PinID]++
	}
	for _, g := range mem.all.Groups {
		v, err := s.FindGroup(ctx, g.ID, g.OwnerID)
		if err != nil {
			t.Fatal(err)
		}
		if v.PinCount != inGroup[g.ID] || v.Secret != g.Secret {
			t.Errorf("group %s: pin count %d, secret %v; recount %d, generated %v", g.ID.Hex(), v.PinCount, v.Secret, inGroup[g.ID], g.Secret)
		}
	}
	for _, p := range mem.all.Pins {
		v, err := s.FindPin(ctx, p.ID, bson.NilObjectID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Counts.Saves != saves[p.ID] {
			t.Errorf("pin %s: save count %d, recount %d", p.ID.Hex(), v.Counts.Saves, saves[p.ID])
		}
	}

	top := st.SavedGroups[0]
	id, ownerID := mustID(t, top.ID), mustID(t, st.Users[top.Owner].ID)
	listed := 0
	page := store.Page{Limit: 7}
	for {
		items, next, err := s.FindGroupPins(ctx, id, ownerID, page)
		if err != nil {
			t.Fatal(err)
		}
		listed += len(items)
		if next == nil {
			break
		}
		page.Cursor = *next
	}
	if listed != top.Pins || int64(listed) != inGroup[id] {
		t.Errorf("group %s lists %d pins; the state says %d, the recount %d", top.ID, listed, top.Pins, inGroup[id])
	}
}
