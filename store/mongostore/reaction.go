package mongostore

import (
	"context"
	"mypinterest/store"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// reaction is a like or a bookmark: one document per user and pin, which
// the unique (user_id, pin_id) index guarantees even under races.
type reaction struct {
	ID        bson.ObjectID `bson:"_id"`
	PinID     bson.ObjectID `bson:"pin_id"`
	UserID    bson.ObjectID `bson:"user_id"`
	CreatedAt time.Time     `bson:"created_at"`
}

// SetLike makes user like (on) or unlike pin. It is idempotent: changed
// reports whether this call changed anything, so that the caller notifies
// only then. The answer carries the recounted like count, the pin and,
// when changed, the pin's new like revision (see bumpRevision).
func (s *Store) SetLike(ctx context.Context, pin, user bson.ObjectID, on bool) (store.LikeState, bool, *store.Pin, error) {
	n, rev, changed, p, err := s.setReaction(ctx, s.likes, pin, user, on, "like", likesRevKey(pin))
	if err != nil {
		return store.LikeState{}, false, nil, err
	}
	return store.LikeState{Liked: on, LikeCount: n, Revision: rev}, changed, p, nil
}

// SetBookmark makes user bookmark (on) or unbookmark pin, like SetLike.
func (s *Store) SetBookmark(ctx context.Context, pin, user bson.ObjectID, on bool) (store.BookmarkState, bool, *store.Pin, error) {
	// Bookmark counts have no live event, hence no revision to order.
	n, _, changed, p, err := s.setReaction(ctx, s.bookmarks, pin, user, on, "bookmark", "")
	if err != nil {
		return store.BookmarkState{}, false, nil, err
	}
	return store.BookmarkState{Bookmarked: on, BookmarkCount: n}, changed, p, nil
}

// setReaction inserts or deletes user's document for pin in coll and
// returns the pin's recounted number of them. When that changed anything
// and revKey is set, it bumps that revision between the write and the
// recount and returns the new revision too.
func (s *Store) setReaction(ctx context.Context, coll *collection, pinID, user bson.ObjectID, on bool, verb, revKey string) (int64, int64, bool, *store.Pin, error) {
	p, err := s.loadPin(ctx, pinID)
	if err != nil {
		return 0, 0, false, nil, err
	}
	if p.AuthorID == user {
		return 0, 0, false, nil, store.Errorf(store.EInvalid, "You cannot %s your own pin.", verb)
	}
	changed := false
	if on {
		r := reaction{ID: bson.NewObjectID(), PinID: pinID, UserID: user, CreatedAt: store.Now()}
		_, err := coll.InsertOne(ctx, r)
		switch {
		case mongo.IsDuplicateKeyError(err):
			// Already there (maybe from a concurrent call): nothing changed.
		case err != nil:
			return 0, 0, false, nil, err
		default:
			changed = true
			if err := s.keepIfPinAlive(ctx, coll, r.ID, pinID); err != nil {
				return 0, 0, false, nil, err
			}
		}
	} else {
		res, err := coll.DeleteOne(ctx, bson.D{{Key: "pin_id", Value: pinID}, {Key: "user_id", Value: user}})
		if err != nil {
			return 0, 0, false, nil, err
		}
		changed = res.DeletedCount > 0
	}
	var rev int64
	if changed {
		s.invalidate(pinCountsKey(pinID))
		if revKey != "" {
			if rev, err = s.bumpRevision(ctx, revKey); err != nil {
				return 0, 0, false, nil, err
			}
		}
	}
	n, err := countBy(ctx, coll, "pin_id", []bson.ObjectID{pinID})
	if err != nil {
		return 0, 0, false, nil, err
	}
	return n[pinID], rev, changed, &p, nil
}

// keepIfPinAlive closes the race between a child insert (comment, like,
// bookmark) and the pin's cascade: checked after the insert, either the
// cascade's delete saw the child or this check sees the pin deleting, in
// which case the child is removed and the pin reported gone.
func (s *Store) keepIfPinAlive(ctx context.Context, coll *collection, childID, pinID bson.ObjectID) error {
	ok, err := s.pinAlive(ctx, pinID)
	if err != nil || ok {
		return err
	}
	if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: childID}}); err != nil {
		return err
	}
	return store.ErrNotFound
}
