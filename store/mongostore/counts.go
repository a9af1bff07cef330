package mongostore

import (
	"context"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// skipDeleting hides documents whose deletion cascade has started: every
// read of groups and pins adds it, so a half-finished cascade shows nothing.
var skipDeleting = bson.E{Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}

// inSet is the {$in: ids} operator.
func inSet(ids []bson.ObjectID) bson.D {
	return bson.D{{Key: "$in", Value: ids}}
}

// countBy counts the documents of coll per value of field among ids with
// one $match/$group/$sum aggregation (FerretDB supports no other
// accumulator that would help). extra narrows the match. Ids without
// documents are absent from the result.
func countBy(ctx context.Context, coll *collection, field string, ids []bson.ObjectID, extra ...bson.E) (map[bson.ObjectID]int64, error) {
	match := append(bson.D{{Key: field, Value: inSet(ids)}}, extra...)
	pipe := mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$" + field},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	}
	cur, err := coll.Aggregate(ctx, pipe)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID bson.ObjectID `bson:"_id"`
		N  int64         `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[bson.ObjectID]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.N
	}
	return out, nil
}

// pinCounts returns the like, bookmark and comment counts of pins: cached
// under pc:<id>, the misses of a whole page loaded with one aggregation per
// count kind. Every id gets an entry (zero counts are cached too).
func (s *Store) pinCounts(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]store.PinCounts, error) {
	return cachedMany(ctx, s.cache, pinCountsKey, ids, func(oids []bson.ObjectID) (map[bson.ObjectID]store.PinCounts, error) {
		likes, err := countBy(ctx, s.likes, "pin_id", oids)
		if err != nil {
			return nil, err
		}
		bookmarks, err := countBy(ctx, s.bookmarks, "pin_id", oids)
		if err != nil {
			return nil, err
		}
		comments, err := countBy(ctx, s.comments, "pin_id", oids)
		if err != nil {
			return nil, err
		}
		saves, err := countBy(ctx, s.saves, "pin_id", oids)
		if err != nil {
			return nil, err
		}
		out := make(map[bson.ObjectID]store.PinCounts, len(oids))
		for _, id := range oids {
			out[id] = store.PinCounts{Likes: likes[id], Bookmarks: bookmarks[id], Comments: comments[id], Saves: saves[id]}
		}
		return out, nil
	})
}

// groupPinCounts returns how many visible pins each group holds, posted
// or saved: cached under gc:<id>, all misses loaded with one aggregation
// on pins and one on saves.
func (s *Store) groupPinCounts(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]int64, error) {
	return cachedMany(ctx, s.cache, groupPinCountKey, ids, func(oids []bson.ObjectID) (map[bson.ObjectID]int64, error) {
		n, err := countBy(ctx, s.pins, "group_id", oids, skipDeleting)
		if err != nil {
			return nil, err
		}
		saved, err := countBy(ctx, s.saves, "group_id", oids)
		if err != nil {
			return nil, err
		}
		out := make(map[bson.ObjectID]int64, len(oids))
		for _, id := range oids {
			out[id] = n[id] + saved[id]
		}
		return out, nil
	})
}

// patchSet validates the title, content and image an edit of a group or a
// pin changes (nil = kept) into f, and returns their $set fields.
func patchSet(f store.Fields, title, content *string, image *store.ImageRef) bson.D {
	p := store.CheckPatch(f, title, content, image)
	set := bson.D{}
	if p.Title != nil {
		set = append(set, bson.E{Key: "title", Value: *p.Title})
	}
	if p.Content != nil {
		set = append(set, bson.E{Key: "content", Value: *p.Content})
	}
	if p.Image != nil {
		set = append(set, bson.E{Key: "image", Value: *p.Image})
	}
	return set
}
