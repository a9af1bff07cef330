package mongostore

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// indexSpec is one declared index. Every query this package sends is
// served by one of them or by the implicit _id index; indexcover_test.go
// records the commands of the conformance suite and fails on any filter
// or sort shape none of them serves.
type indexSpec struct {
	coll   string
	keys   bson.D
	unique bool
	// sparse indexes only the documents that have the field. FerretDB
	// 1.24 accepts the option and ignores it (a non-unique index means
	// the same either way); MongoDB keeps the index as small as the
	// number of documents carrying the field.
	sparse bool
}

func asc(field string) bson.E  { return bson.E{Key: field, Value: 1} }
func desc(field string) bson.E { return bson.E{Key: field, Value: -1} }

// indexes is every index the store needs, by collection. Unique indexes
// make toggles and follows idempotent under races: the second insert
// fails instead of counting twice. (field, _id desc) pairs serve a list
// filtered by field, newest first, without a sort.
var indexes = []indexSpec{
	{coll: "users", keys: bson.D{asc("email")}, unique: true},
	{coll: "users", keys: bson.D{asc("nickname_key")}, unique: true},
	// Cascades under way, for ResumeDeletions: only marked documents
	// carry the field, so on MongoDB the index holds just those.
	{coll: "users", keys: bson.D{asc("deleting")}, sparse: true},

	{coll: "follows", keys: bson.D{asc("follower_id"), asc("followee_id")}, unique: true},
	{coll: "follows", keys: bson.D{asc("follower_id"), desc("_id")}},
	{coll: "follows", keys: bson.D{asc("followee_id"), desc("_id")}},

	{coll: "groups", keys: bson.D{asc("owner_id"), desc("_id")}},
	// A user's public groups, as others see them.
	{coll: "groups", keys: bson.D{asc("owner_id"), asc("secret"), desc("_id")}},
	{coll: "groups", keys: bson.D{asc("deleting")}, sparse: true},
	// Group search: the words of public groups' titles (secret groups
	// carry none), like the pins' terms.
	{coll: "groups", keys: bson.D{asc("terms"), desc("_id")}},
	// Groups written before boards lack secret: backfillSecret finds
	// them at the null point of this index.
	{coll: "groups", keys: bson.D{asc("secret")}},

	// Saves: one per pin and group; a group's additions newest first;
	// a group's pins by pin id (related pins); a viewer's saves of a
	// page of pins (saved_group_ids) and an account's saves.
	{coll: "saves", keys: bson.D{asc("pin_id"), asc("group_id")}, unique: true},
	{coll: "saves", keys: bson.D{asc("group_id"), desc("_id")}},
	{coll: "saves", keys: bson.D{asc("group_id"), desc("pin_id")}},
	{coll: "saves", keys: bson.D{asc("user_id"), asc("pin_id")}},

	{coll: "pins", keys: bson.D{asc("author_id"), desc("_id")}},
	{coll: "pins", keys: bson.D{asc("group_id"), desc("_id")}},
	// Search (see search.go): an anchored prefix of a term is a range
	// of this multikey index.
	{coll: "pins", keys: bson.D{asc("terms"), desc("_id")}},
	{coll: "pins", keys: bson.D{asc("author_id"), asc("terms"), desc("_id")}},
	{coll: "pins", keys: bson.D{asc("deleting")}, sparse: true},

	{coll: "comments", keys: bson.D{asc("pin_id"), asc("_id")}},
	{coll: "comments", keys: bson.D{asc("author_id")}},

	{coll: "likes", keys: bson.D{asc("user_id"), asc("pin_id")}, unique: true},
	{coll: "likes", keys: bson.D{asc("pin_id")}},
	{coll: "bookmarks", keys: bson.D{asc("user_id"), asc("pin_id")}, unique: true},
	{coll: "bookmarks", keys: bson.D{asc("pin_id")}},
	{coll: "bookmarks", keys: bson.D{asc("user_id"), desc("_id")}},

	{coll: "notifications", keys: bson.D{asc("recipient_id"), desc("_id")}},
	// Unread counts and mark-all-read read only the unread ones.
	{coll: "notifications", keys: bson.D{asc("recipient_id"), asc("read")}},
	{coll: "notifications", keys: bson.D{asc("pin_id")}},
	// By actor for account deletion; the rest finds a toggle's earlier
	// notification (store.Deduplicated).
	{coll: "notifications", keys: bson.D{asc("actor_id"), asc("recipient_id"), asc("kind"), asc("pin_id"), asc("created_at")}},

	// Expired revocations are dropped at start-up by a range on until.
	{coll: "revocations", keys: bson.D{asc("until")}},
}

// obsoleteIndexes were created by earlier versions and are served better
// by an index above; Open drops them where they exist.
var obsoleteIndexes = []struct{ coll, name string }{
	{"groups", "owner_id_1"},        // owner_id_1__id_-1 also sorts
	{"notifications", "actor_id_1"}, // the toggle index starts with actor_id
}

// ensureIndexes creates every index; creating an existing index is a no-op,
// so this runs at every start.
func (s *Store) ensureIndexes(ctx context.Context) error {
	for _, sp := range indexes {
		// Name every index: FerretDB 1.24 misnames unnamed indexes
		// created one by one.
		o := options.Index().SetName(indexName(sp.keys))
		if sp.unique {
			o.SetUnique(true)
		}
		if sp.sparse {
			o.SetSparse(true)
		}
		m := mongo.IndexModel{Keys: sp.keys, Options: o}
		if _, err := s.db.Collection(sp.coll).Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("store: index on %s %v: %w", sp.coll, sp.keys, err)
		}
	}
	for _, ob := range obsoleteIndexes {
		if err := dropIndexIfExists(ctx, s.db.Collection(ob.coll), ob.name); err != nil {
			return fmt.Errorf("store: drop index %s.%s: %w", ob.coll, ob.name, err)
		}
	}
	return nil
}

// dropIndexIfExists drops the index called name, if coll has one.
func dropIndexIfExists(ctx context.Context, coll *mongo.Collection, name string) error {
	names, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if n.Name == name {
			return coll.Indexes().DropOne(ctx, name)
		}
	}
	return nil
}

// indexName is the name MongoDB would generate: field_dir joined by "_".
func indexName(keys bson.D) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s_%v", k.Key, k.Value)
	}
	return strings.Join(parts, "_")
}
