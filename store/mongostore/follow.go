package mongostore

import (
	"context"
	"mypinterest/store"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Follow is one user following another.
type Follow struct {
	ID         bson.ObjectID `bson:"_id"`
	FollowerID bson.ObjectID `bson:"follower_id"`
	FolloweeID bson.ObjectID `bson:"followee_id"`
	CreatedAt  time.Time     `bson:"created_at"`
}

var errSelfFollow = &store.Error{Code: store.EInvalid, Message: "You cannot follow yourself."}

// Follow makes follower follow followee and returns the recounted follower
// count. It is idempotent: the unique (follower_id, followee_id) index
// turns a second follow, concurrent or not, into a no-op. created reports
// whether this call made the follow, so that the caller notifies once;
// only then is the followee's follower revision bumped (see bumpRevision)
// and returned, else Revision is 0.
func (s *Store) Follow(ctx context.Context, follower, followee bson.ObjectID) (store.FollowState, bool, error) {
	if follower == followee {
		return store.FollowState{}, false, errSelfFollow
	}
	if _, err := s.FindUserByID(ctx, followee); err != nil {
		return store.FollowState{}, false, err
	}
	f := Follow{ID: bson.NewObjectID(), FollowerID: follower, FolloweeID: followee, CreatedAt: store.Now()}
	created := true
	if _, err := s.follows.InsertOne(ctx, f); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return store.FollowState{}, false, err
		}
		created = false
	}
	if created {
		s.invalidate(followKeys(follower, followee)...)
		// An account deletion may have deleted its follows between the
		// check above and the insert. The cascade marks the user first,
		// so a check after the insert sees the mark and undoes the
		// follow; a follow inserted before the mark is the cascade's.
		if err := s.undoIfEitherDeleting(ctx, f); err != nil {
			return store.FollowState{}, false, err
		}
	}
	var rev int64
	if created {
		var err error
		if rev, err = s.bumpRevision(ctx, followersRevKey(followee)); err != nil {
			return store.FollowState{}, false, err
		}
	}
	n, err := s.countFollowers(ctx, followee)
	if err != nil {
		return store.FollowState{}, false, err
	}
	return store.FollowState{Following: true, FollowerCount: n, Revision: rev}, created, nil
}

// undoIfEitherDeleting deletes f unless both of its users are live.
func (s *Store) undoIfEitherDeleting(ctx context.Context, f Follow) error {
	cur, err := s.users.Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{f.FollowerID, f.FolloweeID}}}}, skipDeleting},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return err
	}
	var live []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &live); err != nil {
		return err
	}
	if len(live) == 2 {
		return nil
	}
	if _, err := s.follows.DeleteOne(ctx, bson.D{{Key: "_id", Value: f.ID}}); err != nil {
		return err
	}
	s.invalidate(followKeys(f.FollowerID, f.FolloweeID)...)
	return store.ErrNotFound
}

// Unfollow ends a follow if there is one (idempotent) and returns the
// recounted follower count. It does not say whether it changed anything,
// so the caller always publishes; hence it always bumps the followee's
// follower revision, repeat or not, and returns it.
func (s *Store) Unfollow(ctx context.Context, follower, followee bson.ObjectID) (store.FollowState, error) {
	if follower == followee {
		return store.FollowState{}, errSelfFollow
	}
	if _, err := s.FindUserByID(ctx, followee); err != nil {
		return store.FollowState{}, err
	}
	res, err := s.follows.DeleteOne(ctx, bson.D{{Key: "follower_id", Value: follower}, {Key: "followee_id", Value: followee}})
	if err != nil {
		return store.FollowState{}, err
	}
	if res.DeletedCount > 0 {
		s.invalidate(followKeys(follower, followee)...)
	}
	rev, err := s.bumpRevision(ctx, followersRevKey(followee))
	if err != nil {
		return store.FollowState{}, err
	}
	n, err := s.countFollowers(ctx, followee)
	if err != nil {
		return store.FollowState{}, err
	}
	return store.FollowState{Following: false, FollowerCount: n, Revision: rev}, nil
}

// countFollowers recounts rather than reading uc:<id>: the answer to a
// follow must include this very write even when a concurrent reader is
// refilling the cache.
func (s *Store) countFollowers(ctx context.Context, id bson.ObjectID) (int64, error) {
	return aggregateCount(ctx, s.follows, bson.D{{Key: "followee_id", Value: id}})
}

// FindFollowers lists the users following id, most recent follow first.
func (s *Store) FindFollowers(ctx context.Context, id bson.ObjectID, p store.Page) ([]store.Card, *string, error) {
	return s.findFollowCards(ctx, id, "followee_id", "follower_id", p)
}

// FindFollowing lists the users id follows, most recent follow first.
func (s *Store) FindFollowing(ctx context.Context, id bson.ObjectID, p store.Page) ([]store.Card, *string, error) {
	return s.findFollowCards(ctx, id, "follower_id", "followee_id", p)
}

// findFollowCards pages over follows whose by field is id and returns the
// cards of the other side: one find plus one FindCards per page.
func (s *Store) findFollowCards(ctx context.Context, id bson.ObjectID, by, other string, p store.Page) ([]store.Card, *string, error) {
	scope := "following:"
	if by == "followee_id" {
		scope = "followers:"
	}
	sc := s.listScope(scope + id.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.FindUserByID(ctx, id); err != nil {
		return nil, nil, err
	}
	filter := bson.D{{Key: by, Value: id}}
	if after != bson.NilObjectID {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	cur, err := s.follows.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "_id", Value: -1}}).
		SetLimit(int64(limit+1)).
		SetProjection(bson.D{{Key: other, Value: 1}}))
	if err != nil {
		return nil, nil, err
	}
	var rows []Follow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, nil, err
	}
	rows, next := store.NextCursor(sc, rows, limit, func(f Follow) bson.ObjectID { return f.ID })
	ids := make([]bson.ObjectID, len(rows))
	for i, f := range rows {
		ids[i] = f.FollowerID
		if other == "followee_id" {
			ids[i] = f.FolloweeID
		}
	}
	cards, err := s.FindCards(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]store.Card, 0, len(ids))
	for _, uid := range ids {
		// A user whose deletion is under way has no card: skip it.
		if c, ok := cards[uid]; ok {
			out = append(out, c)
		}
	}
	return out, next, nil
}

// FollowerCounts recounts the followers of each of ids with one
// aggregation; every id gets an entry. Like countFollowers it bypasses
// the cache, so the answer includes writes that just committed.
func (s *Store) FollowerCounts(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]int64, error) {
	out := make(map[bson.ObjectID]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	n, err := countBy(ctx, s.follows, "followee_id", ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = n[id]
	}
	return out, nil
}
