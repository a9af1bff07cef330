package storetest

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Recounts through the API: a count a store shows must equal the number
// of items its own lists hold (docs/API.md §Counts), whatever caches or
// counters it keeps.

// followerIDs lists every follower of id, newest follow first.
func followerIDs(t *testing.T, st store.Store, id bson.ObjectID) []bson.ObjectID {
	t.Helper()
	cards, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.Card, *string, error) {
		return st.FindFollowers(t.Context(), id, p)
	})
	return ids(cards, cardID)
}

// followingIDs lists every user id follows, newest follow first.
func followingIDs(t *testing.T, st store.Store, id bson.ObjectID) []bson.ObjectID {
	t.Helper()
	cards, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.Card, *string, error) {
		return st.FindFollowing(t.Context(), id, p)
	})
	return ids(cards, cardID)
}

// authorPinIDs lists every pin of author, newest first.
func authorPinIDs(t *testing.T, st store.Store, author bson.ObjectID) []bson.ObjectID {
	t.Helper()
	pins, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.PinView, *string, error) {
		return st.FindPins(t.Context(), store.PinQuery{AuthorID: author}, bson.NilObjectID, p)
	})
	return ids(pins, pinID)
}

// gridIDs lists every pin, newest first.
func gridIDs(t *testing.T, st store.Store) []bson.ObjectID {
	t.Helper()
	pins, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.PinView, *string, error) {
		return st.FindPins(t.Context(), store.PinQuery{}, bson.NilObjectID, p)
	})
	return ids(pins, pinID)
}

// groupPinIDs lists every pin of a group, as its owner sees it.
func groupPinIDs(t *testing.T, st store.Store, group, owner bson.ObjectID) []bson.ObjectID {
	t.Helper()
	pins, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.PinView, *string, error) {
		return st.FindGroupPins(t.Context(), group, owner, p)
	})
	return ids(pins, pinID)
}

// commentIDs lists every comment on pin, oldest first.
func commentIDs(t *testing.T, st store.Store, pin bson.ObjectID) []bson.ObjectID {
	t.Helper()
	list, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.CommentView, *string, error) {
		return st.FindComments(t.Context(), pin, p)
	})
	return ids(list, commentID)
}

// bookmarkedIDs lists every pin user bookmarked, most recent first.
func bookmarkedIDs(t *testing.T, st store.Store, user bson.ObjectID) []bson.ObjectID {
	t.Helper()
	pins, _ := allPages(t, store.MaxLimit, func(p store.Page) ([]store.PinView, *string, error) {
		return st.FindBookmarkedPins(t.Context(), user, p)
	})
	return ids(pins, pinID)
}

// wantProfileRecount fails unless the profile of id shows as many
// followers, followings and pins as its lists hold, and returns it.
func wantProfileRecount(t *testing.T, st store.Store, id bson.ObjectID) *store.Profile {
	t.Helper()
	p, err := st.FindProfile(t.Context(), id, bson.NilObjectID)
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	followers, following, pins := followerIDs(t, st, id), followingIDs(t, st, id), authorPinIDs(t, st, id)
	if p.FollowerCount != int64(len(followers)) || p.FollowingCount != int64(len(following)) || p.PinCount != int64(len(pins)) {
		t.Fatalf("profile of %s shows %d followers, %d following, %d pins; lists hold %d, %d, %d",
			p.Nickname, p.FollowerCount, p.FollowingCount, p.PinCount, len(followers), len(following), len(pins))
	}
	return p
}

// wantPinRecount fails unless pin shows as many likes and bookmarks as
// there are users among users who see it liked or bookmarked by them, as
// many saves as their saved_group_ids hold, and
// as many comments as its comment list holds; it returns the counts.
func wantPinRecount(t *testing.T, st store.Store, pin bson.ObjectID, users []bson.ObjectID) store.PinCounts {
	t.Helper()
	v, err := st.FindPin(t.Context(), pin, bson.NilObjectID)
	if err != nil {
		t.Fatalf("pin: %v", err)
	}
	var want store.PinCounts
	for _, u := range users {
		mine, err := st.FindPin(t.Context(), pin, u)
		if err != nil {
			t.Fatalf("pin as seen by %s: %v", u.Hex(), err)
		}
		if mine.LikedByMe {
			want.Likes++
		}
		want.Saves += int64(len(mine.SavedGroupIDs))
		if mine.BookmarkedByMe {
			want.Bookmarks++
			if !slices.Contains(bookmarkedIDs(t, st, u), pin) {
				t.Fatalf("pin bookmarked by %s is missing from their bookmarks", u.Hex())
			}
		}
	}
	want.Comments = int64(len(commentIDs(t, st, pin)))
	if v.Counts != want {
		t.Fatalf("pin %q shows %+v, recount %+v", v.Title, v.Counts, want)
	}
	return v.Counts
}

// wantGroupRecount fails unless every group of owner shows as many pins as
// its list holds.
func wantGroupRecount(t *testing.T, st store.Store, owner bson.ObjectID) []store.GroupView {
	t.Helper()
	groups, err := st.FindGroupsByOwner(t.Context(), owner)
	if err != nil {
		t.Fatalf("groups: %v", err)
	}
	for _, g := range groups {
		one, err := st.FindGroup(t.Context(), g.ID, owner)
		if err != nil {
			t.Fatalf("group %s: %v", g.ID.Hex(), err)
		}
		n := int64(len(groupPinIDs(t, st, g.ID, owner)))
		if g.PinCount != n || one.PinCount != n {
			t.Fatalf("group %s shows %d pins in the list, %d alone; it holds %d", g.Title, g.PinCount, one.PinCount, n)
		}
	}
	return groups
}
