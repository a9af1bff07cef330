package mongostore

import (
	"bytes"
	"context"
	"mypinterest/store"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The feed is a k-way merge of the followees' (author_id, _id desc)
// ranges, newest first below the cursor.
//
// The obvious query, {author_id: {$in: followees}} sorted by _id, is flat
// on MongoDB only while the planner explodes the $in into one index scan
// per followee and merges them: it stops doing so beyond 200 point
// intervals (internalQueryMaxScansToExplode) and then reads every pin of
// every followee below the cursor and sorts them in memory, a cost that
// grows with the followees' total pins. A rooted $or of one branch per
// followee, {author_id: a, _id: {$lt: cursor}}, is planned branch by
// branch (each an index scan of (author_id, _id desc), already in _id
// order) and merged by a SORT_MERGE stage: a page reads at most one
// index entry and document per followee plus limit more, whatever the
// number of pins. That is one find per page (feedChunk followees per
// $or; beyond that one more find per chunk, merged here), plus the one
// that lists the followees, whose cost grows with their number, never
// with their pins.
//
// Fan-out-on-write (a timeline per follower) would make a page cost
// only limit reads, but every new pin would write one document per
// follower and every follow or unfollow would rewrite a timeline; at the
// sizes a follow list reaches here, the merge is the simpler trade.
//
// FerretDB evaluates the same filter by scanning; only the command count
// can be checked there (TestFeedCommandsPerPage).

// feedChunk bounds the branches of one $or: the planner plans each
// branch, so one find stays cheap to plan and its command small (about
// 60 bytes a branch). A variable so that tests can merge several chunks.
var feedChunk = 500

// FindFeed lists pins by the people user follows, newest first.
func (s *Store) FindFeed(ctx context.Context, user bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	sc := s.listScope("feed:" + user.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	followees, err := s.followeeIDs(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	var pins []store.Pin
	for start := 0; start < len(followees); start += feedChunk {
		chunk := followees[start:min(start+feedChunk, len(followees))]
		rows, err := s.newestByAuthors(ctx, chunk, after, limit+1)
		if err != nil {
			return nil, nil, err
		}
		pins = append(pins, rows...)
	}
	if len(followees) > feedChunk {
		slices.SortFunc(pins, func(a, b store.Pin) int { return bytes.Compare(b.ID[:], a.ID[:]) })
		pins = pins[:min(len(pins), limit+1)]
	}
	pins, next := store.NextCursor(sc, pins, limit, func(p store.Pin) bson.ObjectID { return p.ID })
	views, err := s.hydratePins(ctx, pins, user)
	return views, next, err
}

// followeeIDs lists the users user follows. The projection is the
// (follower_id, followee_id) index itself, so MongoDB answers from the
// index alone.
func (s *Store) followeeIDs(ctx context.Context, user bson.ObjectID) ([]bson.ObjectID, error) {
	cur, err := s.follows.Find(ctx, bson.D{{Key: "follower_id", Value: user}},
		options.Find().SetProjection(bson.D{{Key: "followee_id", Value: 1}, {Key: "_id", Value: 0}}))
	if err != nil {
		return nil, err
	}
	var rows []struct {
		FolloweeID bson.ObjectID `bson:"followee_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]bson.ObjectID, len(rows))
	for i, r := range rows {
		out[i] = r.FolloweeID
	}
	return out, nil
}

// newestByAuthors returns the newest n visible pins of authors below
// after (none: from the newest), with one find: a rooted $or of one
// (author_id, _id) range per author. The deleting check sits in each
// branch so that the $or stays at the root, where MongoDB plans each
// branch on its own.
func (s *Store) newestByAuthors(ctx context.Context, authors []bson.ObjectID, after bson.ObjectID, n int) ([]store.Pin, error) {
	branches := make(bson.A, len(authors))
	for i, a := range authors {
		b := bson.D{{Key: "author_id", Value: a}}
		if !after.IsZero() {
			b = append(b, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
		}
		branches[i] = append(b, skipDeleting)
	}
	cur, err := s.pins.Find(ctx, bson.D{{Key: "$or", Value: branches}}, options.Find().
		SetSort(pinOrder).SetLimit(int64(n)).SetProjection(pinProjection))
	if err != nil {
		return nil, err
	}
	var pins []store.Pin
	if err := cur.All(ctx, &pins); err != nil {
		return nil, err
	}
	return pins, nil
}
