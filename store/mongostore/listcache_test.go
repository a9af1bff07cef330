package mongostore_test

import (
	"context"
	"testing"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// The first page of a pin's comments and an owner's group list are cached;
// every write that changes them must show on the next read.
func TestCachedListsStayFresh(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewMongo(t)
	me, fan := fixtureUser(t, s, "me"), fixtureUser(t, s, "fan")
	group := fixtureGroup(t, s, me)
	pin := fixturePin(t, s, me, group, "p", "")

	comments := func() int {
		t.Helper()
		list, _, err := s.FindComments(ctx, pin.ID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if n := comments(); n != 0 {
		t.Fatalf("want no comments, got %d", n)
	}
	c, _, err := s.CreateComment(ctx, pin.ID, fan, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if n := comments(); n != 1 {
		t.Fatalf("after create: %d comments", n)
	}
	if _, err := s.DeleteComment(ctx, c.ID, fan); err != nil {
		t.Fatal(err)
	}
	if n := comments(); n != 0 {
		t.Fatalf("after delete: %d comments", n)
	}

	groups := func() []store.GroupView {
		t.Helper()
		list, err := s.FindGroupsByOwner(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	if g := groups(); len(g) != 1 {
		t.Fatalf("want 1 group, got %d", len(g))
	}
	second := fixtureGroup(t, s, me)
	if g := groups(); len(g) != 2 {
		t.Fatalf("after create: %d groups", len(g))
	}
	title := "renamed"
	if _, err := s.UpdateGroup(ctx, second, me, store.GroupPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if g := groups(); g[0].Title != title {
		t.Fatalf("after update: %q", g[0].Title)
	}
	byAuthor := func() int {
		t.Helper()
		list, _, err := s.FindPins(ctx, store.PinQuery{AuthorID: me}, fan, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if n := byAuthor(); n != 1 {
		t.Fatalf("want 1 pin by author, got %d", n)
	}
	extra := fixturePin(t, s, me, second, "q", "")
	if n := byAuthor(); n != 2 {
		t.Fatalf("after create: %d pins by author", n)
	}
	if err := s.DeletePin(ctx, extra.ID, me); err != nil {
		t.Fatal(err)
	}
	if n := byAuthor(); n != 1 {
		t.Fatalf("after delete: %d pins by author", n)
	}
	if _, err := s.DeleteGroup(ctx, group, me); err != nil {
		t.Fatal(err)
	}
	if g := groups(); len(g) != 1 || g[0].ID != second {
		t.Fatalf("after delete: %+v", g)
	}
	// The deleted group took the author's first pin with it.
	if n := byAuthor(); n != 0 {
		t.Fatalf("after group delete: %d pins by author", n)
	}
}
