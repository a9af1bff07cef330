package mongostore_test

import (
	"context"
	"encoding/base64"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// TestCursorsAreListBound checks that a cursor is accepted only by the list
// that issued it, only untouched, and only by a store with the same key.
func TestCursorsAreListBound(t *testing.T) {
	key := []byte("test cursor key, shared by both instances")
	s := storetest.NewMongo(t, store.Options{CursorKey: key})
	ctx := context.Background()
	a, b := fixtureUser(t, s, "a"), fixtureUser(t, s, "b")
	ga, gb := fixtureGroup(t, s, a), fixtureGroup(t, s, b)
	var pin bson.ObjectID
	for range 3 {
		pin = fixturePin(t, s, a, ga, "needle", "").ID
		fixturePin(t, s, b, gb, "hay", "")
	}
	for _, c := range []string{"one", "two", "three"} {
		if _, _, err := s.CreateComment(ctx, pin, b, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []bson.ObjectID{a, b, a, b} {
		if _, _, err := s.Follow(ctx, u, fixtureUser(t, s, "f")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Follow(ctx, fixtureUser(t, s, "f"), u); err != nil {
			t.Fatal(err)
		}
	}

	// Each list, run on a store: one page of one item, and its cursor.
	type list func(st *mongostore.Store, p store.Page) (*string, error)
	pins := func(q store.PinQuery) list {
		return func(st *mongostore.Store, p store.Page) (*string, error) {
			_, next, err := st.FindPins(ctx, q, bson.NilObjectID, p)
			return next, err
		}
	}
	lists := map[string]list{
		"grid":     pins(store.PinQuery{}),
		"search":   pins(store.PinQuery{Query: "needle"}),
		"author a": pins(store.PinQuery{AuthorID: a}),
		"author b": pins(store.PinQuery{AuthorID: b}),
		"comments": func(st *mongostore.Store, p store.Page) (*string, error) {
			_, next, err := st.FindComments(ctx, pin, p)
			return next, err
		},
		"group a": func(st *mongostore.Store, p store.Page) (*string, error) {
			_, next, err := st.FindGroupPins(ctx, ga, a, p)
			return next, err
		},
		"followers a": func(st *mongostore.Store, p store.Page) (*string, error) {
			_, next, err := st.FindFollowers(ctx, a, p)
			return next, err
		},
		"following a": func(st *mongostore.Store, p store.Page) (*string, error) {
			_, next, err := st.FindFollowing(ctx, a, p)
			return next, err
		},
		"followers b": func(st *mongostore.Store, p store.Page) (*string, error) {
			_, next, err := st.FindFollowers(ctx, b, p)
			return next, err
		},
	}
	cursors := map[string]string{}
	for name, l := range lists {
		next, err := l(s, store.Page{Limit: 1})
		if err != nil || next == nil {
			t.Fatalf("%s: first page: next %v, %v", name, next, err)
		}
		cursors[name] = *next
	}

	for from, c := range cursors {
		for to, l := range lists {
			_, err := l(s, store.Page{Cursor: c, Limit: 1})
			if from == to {
				wantCode(t, err, "")
				continue
			}
			if store.ErrorCode(err) != store.EMalformed {
				t.Errorf("%s cursor sent to %s: %v, want %s", from, to, err, store.EMalformed)
			}
		}
	}

	t.Run("tampered", func(t *testing.T) {
		c := cursors["grid"]
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := range len(c) {
			for _, r := range []byte{alphabet[0], alphabet[63]} {
				if c[i] == r {
					continue
				}
				forged := c[:i] + string(r) + c[i+1:]
				if _, err := lists["grid"](s, store.Page{Cursor: forged}); store.ErrorCode(err) != store.EMalformed {
					t.Errorf("char %d changed: %v", i, err)
				}
			}
		}
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			flipped := append([]byte(nil), raw...)
			flipped[i] ^= 0x01
			forged := base64.RawURLEncoding.EncodeToString(flipped)
			if _, err := lists["grid"](s, store.Page{Cursor: forged}); store.ErrorCode(err) != store.EMalformed {
				t.Errorf("byte %d flipped: %v", i, err)
			}
		}
		for _, forged := range []string{c + "A", c[:len(c)-1], base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1])} {
			if _, err := lists["grid"](s, store.Page{Cursor: forged}); store.ErrorCode(err) != store.EMalformed {
				t.Errorf("resized cursor %q: %v", forged, err)
			}
		}
	})

	open := func(t *testing.T, o store.Options) *mongostore.Store {
		t.Helper()
		st, err := mongostore.Open(ctx, storetest.URI(t), s.Database().Name(), mongostore.Options{Options: o})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close(context.Background()) })
		return st
	}

	t.Run("same key on another instance", func(t *testing.T) {
		other := open(t, store.Options{CursorKey: append([]byte(nil), key...)})
		for name, l := range lists {
			want, err := l(s, store.Page{Cursor: cursors[name], Limit: 1})
			if err != nil {
				t.Fatalf("%s on the issuing store: %v", name, err)
			}
			got, err := l(other, store.Page{Cursor: cursors[name], Limit: 1})
			if err != nil {
				t.Fatalf("%s on the other instance: %v", name, err)
			}
			if (want == nil) != (got == nil) || (want != nil && *want != *got) {
				t.Errorf("%s: instances disagree on the next cursor: %v vs %v", name, want, got)
			}
		}
	})

	t.Run("different or random key", func(t *testing.T) {
		for _, o := range []store.Options{{CursorKey: []byte("another key")}, {}} {
			other := open(t, o)
			for name, l := range lists {
				if _, err := l(other, store.Page{Cursor: cursors[name], Limit: 1}); store.ErrorCode(err) != store.EMalformed {
					t.Errorf("%s cursor under key %q: %v", name, o.CursorKey, err)
				}
			}
		}
	})
}
