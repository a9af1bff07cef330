package mongostore

import (
	"slices"
	"testing"
	"time"

	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestCacheKeysAreStable: the keys are exactly those of earlier versions.
// Invalidations carry them between instances, and during a rolling deploy
// an instance of this version must drop what an older one names.
func TestCacheKeysAreStable(t *testing.T) {
	a, _ := bson.ObjectIDFromHex("0123456789abcdef01234567")
	b, _ := bson.ObjectIDFromHex("76543210fedcba9876543210")
	c, _ := bson.ObjectIDFromHex("aaaaaaaaaaaaaaaaaaaaaaaa")
	const ha, hb, hc = "0123456789abcdef01234567", "76543210fedcba9876543210", "aaaaaaaaaaaaaaaaaaaaaaaa"
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"user", []string{userKey(a)}, []string{"user:" + ha}},
		{"card", []string{cardKey(a)}, []string{"card:" + ha}},
		{"user counts", []string{userCountsKey(a)}, []string{"uc:" + ha}},
		{"pin", []string{pinKey(a)}, []string{"pin:" + ha}},
		{"pin counts", []string{pinCountsKey(a)}, []string{"pc:" + ha}},
		{"first comments", []string{firstCommentsKey(a)}, []string{"cm:" + ha}},
		{"group", []string{groupKey(a)}, []string{"group:" + ha}},
		{"group pin count", []string{groupPinCountKey(a)}, []string{"gc:" + ha}},
		{"owner groups", []string{ownerGroupsKey(a)}, []string{"og:" + ha}},
		{"first pins", []string{firstPinsKey}, []string{"first:pins"}},
		{"author first pins", []string{authorFirstPinsKey(a)}, []string{"first:author:" + ha}},
		{"user keys", userKeys(a), []string{"user:" + ha, "card:" + ha, "uc:" + ha}},
		{"pin keys", pinKeys(store.Pin{ID: a, AuthorID: b, GroupID: c}),
			[]string{"pin:" + ha, "pc:" + ha, "cm:" + ha, "uc:" + hb, "first:author:" + hb, "gc:" + hc}},
		{"comment keys", commentKeys(a), []string{"pc:" + ha, "cm:" + ha}},
		{"save keys", saveKeys(a, c), []string{"pc:" + ha, "gc:" + hc}},
		{"follow keys", followKeys(a, b), []string{"uc:" + ha, "uc:" + hb}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestCachedManyByKey: cachedMany stores each value under key(id), where
// cached and invalidate find it, and loads only what is missing.
func TestCachedManyByKey(t *testing.T) {
	c := newCache(time.Hour, 1<<20)
	ids := []bson.ObjectID{bson.NewObjectID(), bson.NewObjectID()}
	var asked [][]bson.ObjectID
	load := func(missing []bson.ObjectID) (map[bson.ObjectID]int64, error) {
		asked = append(asked, missing)
		out := map[bson.ObjectID]int64{}
		for i, id := range missing {
			out[id] = int64(i + 1)
		}
		return out, nil
	}
	ctx := t.Context()
	if _, err := cachedMany(ctx, c, groupPinCountKey, ids, load); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.get(groupPinCountKey(ids[1])); !ok {
		t.Fatal("a loaded value is not under its key")
	}
	c.invalidate(groupPinCountKey(ids[0]))
	got, err := cachedMany(ctx, c, groupPinCountKey, append(ids, ids[0]), load)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || !slices.Equal(asked[1], ids[:1]) {
		t.Fatalf("loads asked for %v; want everything, then only the invalidated id", asked)
	}
	if len(got) != 2 || got[ids[0]] != 1 || got[ids[1]] != 2 {
		t.Fatalf("got %v", got)
	}
}
