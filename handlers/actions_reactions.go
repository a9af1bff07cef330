package handlers

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// The toggles (see actions.go): like, bookmark, save and follow. Each is
// idempotent: a repeat answers the same state and neither publishes nor
// notifies again. The notification a new like, save or follow causes is
// written after the response, which does not show it.

// Events of docs/LIVE.md §Topics and events kept beside their only sender, apart from events.go.
const (
	// evPinBookmarked tells a pin's viewers its new bookmark count.
	evPinBookmarked = "pin.bookmarked"
	// evPinSaved tells a pin's watchers its new save count.
	evPinSaved = "pin.saved"
)

type pinBookmarkedJSON struct {
	PinID         string `json:"pin_id"`
	BookmarkCount int64  `json:"bookmark_count"`
}

type pinSavedJSON struct {
	PinID     string `json:"pin_id"`
	SaveCount int64  `json:"save_count"`
}

// likePin sets user's like on pin and, when that changed it, publishes
// the recount and notifies the pin's author of a new like.
func (s *server) likePin(ctx context.Context, user, pin bson.ObjectID, on bool) (store.LikeState, error) {
	r, err := s.store.SetLike(ctx, pin, user, on)
	if err != nil {
		return store.LikeState{}, err
	}
	if r.Changed {
		s.publish(ctx, pinTopic(pin), evPinLiked, pinLikedJSON{PinID: pin.Hex(), LikeCount: r.State.LikeCount, Rev: r.State.Revision})
		if on && r.Pin != nil {
			s.notifyAfter(ctx, store.NotifyLike, user, &pin, r.Pin.AuthorID)
		}
	}
	return r.State, nil
}

// bookmarkPin sets user's bookmark on pin and publishes the new count
// when it changed, so that an open pin page shows bookmarks live as it
// does likes.
func (s *server) bookmarkPin(ctx context.Context, user, pin bson.ObjectID, on bool) (store.BookmarkState, error) {
	r, err := s.store.SetBookmark(ctx, pin, user, on)
	if err != nil {
		return store.BookmarkState{}, err
	}
	if r.Changed {
		s.publish(ctx, pinTopic(pin), evPinBookmarked, pinBookmarkedJSON{PinID: pin.Hex(), BookmarkCount: r.State.BookmarkCount})
	}
	return r.State, nil
}

// savePin saves (on) or unsaves pin into group for user (the store checks
// that the group is the user's) and, when that changed anything,
// publishes the count and notifies the pin's author of a new save (the
// store skips one's own pin).
func (s *server) savePin(ctx context.Context, user, pin, group bson.ObjectID, on bool) (store.SaveState, error) {
	r, err := s.store.SetSave(ctx, pin, group, user, on)
	if err != nil {
		return store.SaveState{}, err
	}
	if r.Changed {
		s.publish(ctx, pinTopic(pin), evPinSaved, pinSavedJSON{PinID: pin.Hex(), SaveCount: r.State.SaveCount})
		if on && r.Pin != nil {
			s.notifyAfter(ctx, store.NotifySave, user, &pin, r.Pin.AuthorID)
		}
	}
	return r.State, nil
}

// followUser makes follower follow followee (on) or stop. A new follow
// publishes the count and notifies followee. Unfollow does not say
// whether it changed anything, so it always publishes: the count is a
// recount, so a repeat is harmless to subscribers.
func (s *server) followUser(ctx context.Context, follower, followee bson.ObjectID, on bool) (store.FollowState, error) {
	var st store.FollowState
	var err error
	changed := true
	if on {
		st, changed, err = s.store.Follow(ctx, follower, followee)
	} else {
		st, err = s.store.Unfollow(ctx, follower, followee)
	}
	if err != nil {
		return st, err
	}
	if changed {
		s.publish(ctx, profileTopic(followee), evProfileFollowers, followersJSON{UserID: followee.Hex(), FollowerCount: st.FollowerCount, Rev: st.Revision})
		if on {
			s.notifyAfter(ctx, store.NotifyFollow, follower, nil, followee)
		}
	}
	return st, nil
}
