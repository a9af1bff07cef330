package handlers

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// evPinBookmarked tells a pin's viewers its new bookmark count (SPEC §5).
const evPinBookmarked = "pin.bookmarked"

type pinBookmarkedJSON struct {
	PinID         string `json:"pin_id"`
	BookmarkCount int64  `json:"bookmark_count"`
}

// bookmarkPin sets user's bookmark on pin for the API and the bookmark
// form alike, and publishes the new count when it changed, so that an
// open pin page shows bookmarks live as it does likes. A repeat changes
// nothing and publishes nothing.
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
