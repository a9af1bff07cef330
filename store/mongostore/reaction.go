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
func (s *Store) SetLike(ctx context.Context, pin, user bson.ObjectID, on bool) (store.LikeResult, error) {
	r, err := s.setReaction(ctx, s.likes, pin, user, on, "like", likesRevKey(pin))
	if err != nil {
		return store.LikeResult{}, err
	}
	st := store.LikeState{Liked: on, LikeCount: r.count, Revision: r.rev}
	return store.LikeResult{State: st, Changed: r.changed, Pin: r.pin}, nil
}

// SetBookmark makes user bookmark (on) or unbookmark pin, like SetLike.
func (s *Store) SetBookmark(ctx context.Context, pin, user bson.ObjectID, on bool) (store.BookmarkResult, error) {
	// Bookmark counts carry no revision to order (pin.bookmarked has no rev).
	r, err := s.setReaction(ctx, s.bookmarks, pin, user, on, "bookmark", "")
	if err != nil {
		return store.BookmarkResult{}, err
	}
	st := store.BookmarkState{Bookmarked: on, BookmarkCount: r.count}
	return store.BookmarkResult{State: st, Changed: r.changed, Pin: r.pin}, nil
}

// reactionResult is what setReaction did: the pin's recount and, when it
// changed anything and had a revision to bump, the new revision; whether
// it changed anything; and the pin.
type reactionResult struct {
	count, rev int64
	changed    bool
	pin        *store.Pin
}

// setReaction inserts or deletes user's document for pin in coll and
// returns the pin's recounted number of them. When that changed anything
// and revKey is set, it bumps that revision between the write and the
// recount and returns the new revision too.
func (s *Store) setReaction(ctx context.Context, coll *collection, pinID, user bson.ObjectID, on bool, verb, revKey string) (reactionResult, error) {
	p, err := s.loadPin(ctx, pinID)
	if err != nil {
		return reactionResult{}, err
	}
	if p.AuthorID == user {
		return reactionResult{}, store.Errorf(store.EInvalid, "You cannot %s your own pin.", verb)
	}
	changed := false
	if on {
		r := reaction{ID: bson.NewObjectID(), PinID: pinID, UserID: user, CreatedAt: store.Now()}
		_, err := coll.InsertOne(ctx, r)
		switch {
		case mongo.IsDuplicateKeyError(err):
			// Already there (maybe from a concurrent call): nothing changed.
		case err != nil:
			return reactionResult{}, err
		default:
			changed = true
			if err := s.keepIfPinAlive(ctx, coll, r.ID, pinID); err != nil {
				return reactionResult{}, err
			}
		}
	} else {
		res, err := coll.DeleteOne(ctx, bson.D{{Key: "pin_id", Value: pinID}, {Key: "user_id", Value: user}})
		if err != nil {
			return reactionResult{}, err
		}
		changed = res.DeletedCount > 0
	}
	var rev int64
	if changed {
		s.invalidate(pinCountsKey(pinID))
		if revKey != "" {
			if rev, err = s.bumpRevision(ctx, revKey); err != nil {
				return reactionResult{}, err
			}
		}
	}
	n, err := countBy(ctx, coll, "pin_id", []bson.ObjectID{pinID})
	if err != nil {
		return reactionResult{}, err
	}
	return reactionResult{count: n[pinID], rev: rev, changed: changed, pin: &p}, nil
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
