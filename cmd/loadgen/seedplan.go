package main

// seedPlan sizes the data set. The defaults are the data set the original
// Django app was measured on, so numbers in the README stay comparable.
type seedPlan struct {
	Users         int
	GroupsPerUser int
	Pins          int
	Comments      int // all on one pin, the one the pin/comments scenarios read
	Likes         int
	Bookmarks     int
	Follows       int
}

// defaultPlan is the original app's benchmark data set.
var defaultPlan = seedPlan{
	Users:         20,
	GroupsPerUser: 2,
	Pins:          500,
	Comments:      60,
	Likes:         1270,
	Bookmarks:     770,
	Follows:       100,
}

// pair is one (subject, object) edge of the social graph: (pin, user) for
// likes and bookmarks, (follower, followee) for follows.
type pair struct{ A, B int }

// pinAuthor spreads pins round-robin over users so every profile has pins.
func (p seedPlan) pinAuthor(pin int) int { return pin % p.Users }

// pinGroup returns the index (into the flat user-major group list) of the
// group pin goes to; it alternates between its author's groups so every
// group ends up with pins.
func (p seedPlan) pinGroup(pin int) int {
	return p.pinAuthor(pin)*p.GroupsPerUser + (pin/p.Users)%p.GroupsPerUser
}

// commenter picks who writes the c-th comment: never the pin's author, so
// each comment also exercises the "commented on your pin" notification.
func (p seedPlan) commenter(author, c int) int {
	return (author + 1 + c%(p.Users-1)) % p.Users
}

// edges hands out n (pin, user) pairs, pin-major, where the user is never the
// pin's author and no pair repeats. Round j gives every pin one more user at
// offset 1+(j+shift)%(Users-1) from its author; offsets of different rounds
// differ, so pairs stay unique for up to Users-1 rounds. shift lets likes and
// bookmarks pick different people for the same pin.
func (p seedPlan) edges(n, shift int) []pair {
	maxRounds := p.Users - 1
	if n > p.Pins*maxRounds {
		n = p.Pins * maxRounds
	}
	out := make([]pair, 0, n)
	for k := 0; k < n; k++ {
		pin, round := k%p.Pins, k/p.Pins
		offset := 1 + (round+shift)%maxRounds
		out = append(out, pair{pin, (p.pinAuthor(pin) + offset) % p.Users})
	}
	return out
}

// likes returns the (pin, user) likes to create.
func (p seedPlan) likes() []pair { return p.edges(p.Likes, 0) }

// bookmarks returns the (pin, user) bookmarks to create. The shift of 9 puts
// bookmarkers half-way round from likers so the two sets look independent.
func (p seedPlan) bookmarks() []pair { return p.edges(p.Bookmarks, 9) }

// follows returns (follower, followee) pairs: each user follows the next few
// users round-robin, never themselves and never twice.
func (p seedPlan) follows() []pair {
	n := p.Follows
	if max := p.Users * (p.Users - 1); n > max {
		n = max
	}
	out := make([]pair, 0, n)
	for k := 0; k < n; k++ {
		u, j := k%p.Users, k/p.Users
		out = append(out, pair{u, (u + 1 + j) % p.Users})
	}
	return out
}
