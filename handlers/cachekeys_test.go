package handlers

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestPinJSONKeyCoversTheJSON: changing any field of a PinView that
// changes its JSON changes its key, so the pin JSON cache (and the pages,
// which hash pins the same way) never serves an older pin. A field added
// to the JSON but not to keyHash.pin fails here.
func TestPinJSONKeyCoversTheJSON(t *testing.T) {
	seed := maphash.MakeSeed()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	base := store.PinView{
		Pin: store.Pin{ID: bson.NewObjectID(), AuthorID: bson.NewObjectID(), GroupID: bson.NewObjectID(),
			Title: "t", Content: "c", Image: store.ImageRef{Key: "k", Ext: "jpg", Width: 3, Height: 4},
			CreatedAt: at, UpdatedAt: at},
		Author: store.Card{ID: bson.NewObjectID(), Nickname: "n", Avatar: store.ImageRef{Key: "a", Ext: "png"}},
		Counts: store.PinCounts{Likes: 1, Bookmarks: 2, Comments: 3, Saves: 4}, SavedGroupIDs: []bson.ObjectID{bson.NewObjectID()},
	}
	encode := func(p store.PinView) []byte {
		b, err := json.Marshal(pinView(p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	baseJSON, baseKey := encode(base), pinJSONKey(seed, &base)
	checked := 0
	forEachLeaf(reflect.ValueOf(&base).Elem(), "PinView", func(path string, change func()) {
		orig := base
		orig.SavedGroupIDs = append([]bson.ObjectID(nil), base.SavedGroupIDs...)
		change() // on base's fields
		changed := base
		base = orig
		if bytes.Equal(encode(changed), baseJSON) {
			return // not in the JSON (Deleting, AuthorID = Author.ID)
		}
		checked++
		if pinJSONKey(seed, &changed) == baseKey {
			t.Errorf("%s changes the JSON but not the key", path)
		}
	})
	if checked < 15 {
		t.Fatalf("only %d fields reached the JSON; the walk is broken", checked)
	}
}

var objectIDType = reflect.TypeOf(bson.ObjectID{})

// forEachLeaf calls fn with a function that changes each leaf field of v.
func forEachLeaf(v reflect.Value, path string, fn func(path string, change func())) {
	switch {
	case v.Type() == objectIDType:
		fn(path, func() { v.Set(reflect.ValueOf(bson.NewObjectID())) })
	case v.Type() == reflect.TypeOf(time.Time{}):
		fn(path, func() { v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Second))) })
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			forEachLeaf(v.Field(i), path+"."+v.Type().Field(i).Name, fn)
		}
	case v.Kind() == reflect.String:
		fn(path, func() { v.SetString(v.String() + "x") })
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		fn(path, func() { v.SetInt(v.Int() + 1) })
	case v.Kind() == reflect.Bool:
		fn(path, func() { v.SetBool(!v.Bool()) })
	case v.Kind() == reflect.Slice && v.Type().Elem() == objectIDType:
		fn(path, func() { v.Set(reflect.Append(v, reflect.ValueOf(bson.NewObjectID()))) })
	default:
		panic("forEachLeaf: no change for " + path + " of type " + v.Type().String())
	}
}
