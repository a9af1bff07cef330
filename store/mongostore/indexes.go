package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ensureIndexes creates every index; creating an existing index is a no-op,
// so this runs at every start. Unique indexes make toggles and follows
// idempotent under races: the second insert fails instead of counting twice.
func (s *Store) ensureIndexes(ctx context.Context) error {
	unique := func() *options.IndexOptionsBuilder { return options.Index().SetUnique(true) }
	specs := []struct {
		coll *mongo.Collection
		keys bson.D
		opts *options.IndexOptionsBuilder
	}{
		{s.users, bson.D{{Key: "email", Value: 1}}, unique()},
		{s.users, bson.D{{Key: "nickname_key", Value: 1}}, unique()},
		{s.follows, bson.D{{Key: "follower_id", Value: 1}, {Key: "followee_id", Value: 1}}, unique()},
		{s.follows, bson.D{{Key: "followee_id", Value: 1}, {Key: "_id", Value: -1}}, nil},
		{s.groups, bson.D{{Key: "owner_id", Value: 1}}, nil},
		{s.pins, bson.D{{Key: "author_id", Value: 1}, {Key: "_id", Value: -1}}, nil},
		{s.pins, bson.D{{Key: "group_id", Value: 1}, {Key: "_id", Value: -1}}, nil},
		{s.comments, bson.D{{Key: "pin_id", Value: 1}, {Key: "_id", Value: 1}}, nil},
		{s.comments, bson.D{{Key: "author_id", Value: 1}}, nil},
		{s.likes, bson.D{{Key: "user_id", Value: 1}, {Key: "pin_id", Value: 1}}, unique()},
		{s.likes, bson.D{{Key: "pin_id", Value: 1}}, nil},
		{s.bookmarks, bson.D{{Key: "user_id", Value: 1}, {Key: "pin_id", Value: 1}}, unique()},
		{s.bookmarks, bson.D{{Key: "pin_id", Value: 1}}, nil},
		{s.bookmarks, bson.D{{Key: "user_id", Value: 1}, {Key: "_id", Value: -1}}, nil},
		{s.notifications, bson.D{{Key: "recipient_id", Value: 1}, {Key: "_id", Value: -1}}, nil},
		{s.notifications, bson.D{{Key: "pin_id", Value: 1}}, nil},
		{s.notifications, bson.D{{Key: "actor_id", Value: 1}}, nil},
	}
	for _, sp := range specs {
		// Name every index: FerretDB 1.24 misnames unnamed indexes
		// created one by one.
		o := sp.opts
		if o == nil {
			o = options.Index()
		}
		m := mongo.IndexModel{Keys: sp.keys, Options: o.SetName(indexName(sp.keys))}
		if _, err := sp.coll.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("store: index on %s %v: %w", sp.coll.Name(), sp.keys, err)
		}
	}
	return nil
}

// indexName is the name MongoDB would generate: field_dir joined by "_".
func indexName(keys bson.D) string {
	name := ""
	for i, k := range keys {
		if i > 0 {
			name += "_"
		}
		name += fmt.Sprintf("%s_%v", k.Key, k.Value)
	}
	return name
}
