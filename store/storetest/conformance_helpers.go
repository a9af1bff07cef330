package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Fixtures and checks shared by the conformance tests. Everything goes
// through the store API: the suite knows no database.

// password is the password of every user the fixtures sign up.
const password = "correct-horse-battery"

// image stands for an uploaded image; the store keeps only the reference.
var image = store.ImageRef{Key: "fixture", Ext: "png", Width: 236, Height: 300}

// userSeq makes nicknames unique (stores are fresh, but one test may sign
// up many users).
var userSeq atomic.Int64

// newUser signs up a user whose nickname is prefix (at most 4 characters)
// and a number.
func newUser(t *testing.T, st store.Store, prefix string) *store.User {
	t.Helper()
	nick := fmt.Sprintf("%s%d", prefix, userSeq.Add(1)%1_000_000)
	u, err := st.CreateUser(t.Context(), store.NewUser{
		Email: strings.ToLower(nick) + "@example.com", Nickname: nick, Password: password,
	})
	if err != nil {
		t.Fatalf("sign up %s: %v", nick, err)
	}
	return u
}

// newUsers signs up n users named prefix and a number.
func newUsers(t *testing.T, st store.Store, prefix string, n int) []bson.ObjectID {
	t.Helper()
	ids := make([]bson.ObjectID, n)
	for i := range ids {
		ids[i] = newUser(t, st, prefix).ID
	}
	return ids
}

// newGroup creates a group titled "board" of owner.
func newGroup(t *testing.T, st store.Store, owner bson.ObjectID) bson.ObjectID {
	t.Helper()
	g, err := st.CreateGroup(t.Context(), owner, store.GroupInput{Title: "board"}, image)
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	return g.ID
}

// newPin creates a pin of author in group.
func newPin(t *testing.T, st store.Store, author, group bson.ObjectID, title, content string) *store.PinView {
	t.Helper()
	p, err := st.CreatePin(t.Context(), author, store.PinInput{Title: title, Content: content, GroupID: group}, image)
	if err != nil {
		t.Fatalf("create pin %q: %v", title, err)
	}
	return p
}

// mustFollow makes follower follow followee.
func mustFollow(t *testing.T, st store.Store, follower, followee bson.ObjectID) {
	t.Helper()
	if _, _, err := st.Follow(t.Context(), follower, followee); err != nil {
		t.Fatalf("follow: %v", err)
	}
}

// wantCode fails unless err carries code ("" means no error).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case code != "" && store.ErrorCode(err) != code:
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

// fieldsOf returns the reason code of each field of a store error,
// failing unless the error's code is code.
func fieldsOf(t *testing.T, err error, code string) map[string]string {
	t.Helper()
	var e *store.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	out := map[string]string{}
	for f, why := range e.Fields {
		out[f] = why.Code
	}
	return out
}

// wantField fails unless err is EInvalid with a reason for field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if f := fieldsOf(t, err, store.EInvalid); f[field] == "" {
		t.Fatalf("error = %v, want a reason for %s", err, field)
	}
}

// maxPages stops a list that never ends.
const maxPages = 1000

// allPages follows a list's cursors from the first page to the last,
// returning every item and the size of each page.
func allPages[T any](t *testing.T, limit int, fetch func(p store.Page) ([]T, *string, error)) (items []T, sizes []int) {
	t.Helper()
	page := store.Page{Limit: limit}
	for range maxPages {
		got, next, err := fetch(page)
		if err != nil {
			t.Fatalf("page %d: %v", len(sizes)+1, err)
		}
		items = append(items, got...)
		sizes = append(sizes, len(got))
		if next == nil {
			return items, sizes
		}
		if *next == "" {
			t.Fatal("empty next cursor: nil ends a list")
		}
		page.Cursor = *next
	}
	t.Fatalf("list does not end after %d pages", maxPages)
	return nil, nil
}

// ids returns the ids of items in order.
func ids[T any](items []T, id func(T) bson.ObjectID) []bson.ObjectID {
	out := make([]bson.ObjectID, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func pinID(v store.PinView) bson.ObjectID         { return v.ID }
func cardID(c store.Card) bson.ObjectID           { return c.ID }
func commentID(c store.CommentView) bson.ObjectID { return c.ID }

// wantIDs fails unless got is exactly want, in order.
func wantIDs(t *testing.T, what string, got, want []bson.ObjectID) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: item %d is %s, want %s", what, i, got[i].Hex(), want[i].Hex())
		}
	}
}

// sameSet reports whether a and b hold the same ids, in any order.
func sameSet(a, b []bson.ObjectID) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[bson.ObjectID]int{}
	for _, id := range a {
		n[id]++
	}
	for _, id := range b {
		if n[id]--; n[id] < 0 {
			return false
		}
	}
	return true
}

// parallel runs fn(i) for i in [0, n) at once and fails on the first error.
func parallel(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
