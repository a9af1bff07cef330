package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Revision keys: one counter per live count (docs/LIVE.md §Topics and events).
func likesRevKey(pin bson.ObjectID) string      { return "pin:" + pin.Hex() }
func followersRevKey(user bson.ObjectID) string { return "followers:" + user.Hex() }

// bumpRevision issues the next revision of the counter key and returns
// it. Callers bump after their write and before their recount, so of two
// events on one count the one with the higher revision carries the
// fresher recount: subscribers keep the highest revision and drop lower
// ones, whatever order the broker delivers them in.
//
// A findAndModify $inc would be the obvious counter, but FerretDB 1.x
// applies updates as read-modify-write without isolation, so concurrent
// increments there lose updates and hand out one revision twice. The _id
// index is the one thing both servers enforce under races, so a revision
// is issued by inserting the document <key>/<n zero-padded> (see revID):
//
//   - read the highest n of key and insert n+1; a duplicate key means a
//     concurrent bump took it: read again;
//   - then look for a higher document of key; if there is one, a
//     concurrent bump may already have issued this n (its document was
//     pruned, see below, before this insert reused the _id): drop it and
//     start again;
//   - else n is issued; prune the documents below it, so that a counter
//     keeps about one document.
//
// The document of the highest n ever inserted is never deleted (a prune
// removes only lower ones, and a dropped insert had seen a higher one),
// so every issued n is unique, a bump that starts after another returned
// gets a higher n, and a lower n was inserted before a higher one's
// check, hence before its recount.
func (s *Store) bumpRevision(ctx context.Context, key string) (int64, error) {
	lo, hi := key+"/", key+"0" // '0' follows '/': every <key>/<n> sorts in between
	for {
		var top struct {
			ID string `bson:"_id"`
		}
		err := s.revisions.FindOne(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: hi}}}},
			options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&top)
		var n int64
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
		case err != nil:
			return 0, err
		default:
			if n, err = strconv.ParseInt(top.ID[len(lo):], 10, 64); err != nil {
				return 0, fmt.Errorf("revision %q: %w", top.ID, err)
			}
		}
		n++
		id := revID(key, n)
		if _, err := s.revisions.InsertOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			return 0, err
		}
		higher, err := s.revisions.CountDocuments(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: id}, {Key: "$lt", Value: hi}}}},
			options.Count().SetLimit(1))
		if err != nil {
			return 0, err
		}
		if higher > 0 {
			if _, err := s.revisions.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return 0, err
			}
			continue
		}
		if _, err := s.revisions.DeleteMany(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: id}}}}); err != nil {
			return 0, err
		}
		return n, nil
	}
}

// revID is the _id of revision n of key, zero-padded so that string order
// is numeric order.
func revID(key string, n int64) string { return fmt.Sprintf("%s/%019d", key, n) }
