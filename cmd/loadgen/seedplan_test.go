package main

import "testing"

func TestDefaultPlanEdges(t *testing.T) {
	p := defaultPlan
	check := func(name string, got []pair, want int, self func(pair) bool) {
		t.Helper()
		if len(got) != want {
			t.Errorf("%s: %d edges, want %d", name, len(got), want)
		}
		seen := make(map[pair]bool)
		for _, e := range got {
			if self(e) {
				t.Errorf("%s: %v targets its own author", name, e)
			}
			if seen[e] {
				t.Errorf("%s: %v repeated", name, e)
			}
			seen[e] = true
			if e.B < 0 || e.B >= p.Users {
				t.Errorf("%s: %v has an out-of-range user", name, e)
			}
		}
	}
	ownPin := func(e pair) bool { return p.pinAuthor(e.A) == e.B }
	check("likes", p.likes(), 1270, ownPin)
	check("bookmarks", p.bookmarks(), 770, ownPin)
	check("follows", p.follows(), 100, func(e pair) bool { return e.A == e.B })
}

func TestPlanGroupsBelongToAuthor(t *testing.T) {
	p := defaultPlan
	used := make(map[int]int)
	for pin := 0; pin < p.Pins; pin++ {
		g := p.pinGroup(pin)
		if owner := g / p.GroupsPerUser; owner != p.pinAuthor(pin) {
			t.Fatalf("pin %d goes to group %d of user %d, author is %d", pin, g, owner, p.pinAuthor(pin))
		}
		used[g]++
	}
	if len(used) != p.Users*p.GroupsPerUser {
		t.Fatalf("%d groups get pins, want all %d", len(used), p.Users*p.GroupsPerUser)
	}
}

func TestPlanCommenterNeverAuthor(t *testing.T) {
	p := defaultPlan
	for c := 0; c < p.Comments; c++ {
		if p.commenter(0, c) == 0 {
			t.Fatalf("comment %d written by the pin's author", c)
		}
	}
}

func TestPlanCapsImpossibleCounts(t *testing.T) {
	p := seedPlan{Users: 3, GroupsPerUser: 1, Pins: 2, Likes: 100, Follows: 100}
	if n := len(p.likes()); n != 4 {
		t.Fatalf("likes capped to %d, want 4 (2 pins × 2 other users)", n)
	}
	if n := len(p.follows()); n != 6 {
		t.Fatalf("follows capped to %d, want 6", n)
	}
}
