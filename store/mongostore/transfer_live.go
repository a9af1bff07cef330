package mongostore

import (
	"context"
	"fmt"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Export and Count leave out what a cascade under way is removing, so
// that a copy never carries half of a deletion (a target with foreign
// keys would refuse a like whose pin is gone). A cascade marks the top of
// what it removes (account, group or pin) and deletes the rest under it:
// a record is doomed when it is marked or hangs from a doomed record.

// doomed holds the ids of the users, groups and pins being deleted.
type doomed struct {
	users, groups, pins []bson.ObjectID
}

// findDoomed reads the marks, as deep as kind needs: users for anything
// that refers to users, groups and pins for what hangs from them.
//
// Each call reads the marked documents afresh (no index covers deleting:
// a scan on MongoDB, which a copy from MongoDB can afford; its usual
// source is the embedded FerretDB, where every query is a scan anyway).
func (s *Store) findDoomed(ctx context.Context, kind store.Kind) (doomed, error) {
	var d doomed
	if kind == store.KindUsers {
		return d, nil
	}
	var err error
	if d.users, err = markedIDs(ctx, s.users, bson.D{{Key: "deleting", Value: true}}); err != nil {
		return d, err
	}
	if kind == store.KindFollows {
		return d, nil
	}
	d.groups, err = markedIDs(ctx, s.groups, orFilter(
		bson.D{{Key: "deleting", Value: true}},
		in("owner_id", d.users)))
	if err != nil || kind == store.KindGroups {
		return d, err
	}
	d.pins, err = markedIDs(ctx, s.pins, orFilter(
		bson.D{{Key: "deleting", Value: true}},
		in("group_id", d.groups),
		in("author_id", d.users)))
	return d, err
}

// liveFilter matches the records of kind that are not doomed.
func (s *Store) liveFilter(ctx context.Context, kind store.Kind) (bson.D, error) {
	d, err := s.findDoomed(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("store: find deletions under way: %w", err)
	}
	f := bson.D{}
	notIn := func(field string, ids []bson.ObjectID) {
		if len(ids) > 0 {
			f = append(f, bson.E{Key: field, Value: bson.D{{Key: "$nin", Value: ids}}})
		}
	}
	switch kind {
	case store.KindUsers:
		f = append(f, skipDeleting)
	case store.KindGroups:
		notIn("_id", d.groups)
	case store.KindPins:
		notIn("_id", d.pins)
	case store.KindFollows:
		notIn("follower_id", d.users)
		notIn("followee_id", d.users)
	case store.KindComments:
		notIn("pin_id", d.pins)
		notIn("author_id", d.users)
	case store.KindLikes, store.KindBookmarks:
		notIn("pin_id", d.pins)
		notIn("user_id", d.users)
	case store.KindSaves:
		notIn("pin_id", d.pins)
		notIn("group_id", d.groups)
		notIn("user_id", d.users)
	case store.KindNotifications:
		// $nin also matches a missing pin_id (follow notifications).
		notIn("pin_id", d.pins)
		notIn("recipient_id", d.users)
		notIn("actor_id", d.users)
	default:
		return nil, fmt.Errorf("store: unknown kind %q", kind)
	}
	return f, nil
}

// markedIDs returns the ids of the documents of coll matching filter.
func markedIDs(ctx context.Context, coll *mongo.Collection, filter bson.D) ([]bson.ObjectID, error) {
	cur, err := coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	ids := make([]bson.ObjectID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// in is {field: {$in: ids}}, or nil when ids is empty (matches nothing).
func in(field string, ids []bson.ObjectID) bson.D {
	if len(ids) == 0 {
		return nil
	}
	return bson.D{{Key: field, Value: inSet(ids)}}
}

// orFilter is the $or of the non-nil clauses (a single one as is).
func orFilter(clauses ...bson.D) bson.D {
	var or bson.A
	for _, c := range clauses {
		if c != nil {
			or = append(or, c)
		}
	}
	if len(or) == 1 {
		return or[0].(bson.D)
	}
	return bson.D{{Key: "$or", Value: or}}
}
