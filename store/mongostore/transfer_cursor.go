package mongostore

import (
	"context"
	"fmt"
	"mypinterest/store"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A copy reads each kind in batches, each starting after the last key of
// the one before. As one query per batch ({_id: {$gt: after}}, sorted,
// limited) every batch would cost a scan and a sort of the whole
// collection on FerretDB, which pushes neither the range nor the sort
// down to SQLite: measured 16 s per batch of 1,000 with 20,000 comments.
// So Export keeps its query's cursor open between calls and continues it
// when the next call asks for the key where the previous batch ended:
// one sorted pass per kind. On MongoDB the cursor walks the _id index
// either way.

// exportCursor is an export under way.
type exportCursor struct {
	mu   sync.Mutex
	cur  *mongo.Cursor // nil when none is open
	kind store.Kind
	next string // the after that continues cur
}

// exportCursors holds the export under way of each store (a *Store key).
// Copies read one kind at a time, so one cursor per store is enough; an
// entry goes when its cursor is exhausted.
var exportCursors sync.Map

// exportDocs returns the next batch of kind after after (see Export).
func (s *Store) exportDocs(ctx context.Context, kind store.Kind, after string, limit int) (store.Batch, error) {
	v, _ := exportCursors.LoadOrStore(s, &exportCursor{})
	ec := v.(*exportCursor)
	ec.mu.Lock()
	defer ec.mu.Unlock()
	continuing := ec.cur != nil && ec.kind == kind && ec.next == after && after != ""
	b, err := s.readExport(ctx, ec, kind, after, limit, continuing)
	if err != nil && continuing && ctx.Err() == nil {
		// The server may have dropped the cursor (idle for ten
		// minutes): start again from the same key.
		b, err = s.readExport(ctx, ec, kind, after, limit, false)
	}
	if err != nil || b.Next == "" {
		ec.close()
		exportCursors.CompareAndDelete(s, ec)
	}
	return b, err
}

// readExport reads up to limit documents from ec's cursor, opening it
// first unless continuing.
func (s *Store) readExport(ctx context.Context, ec *exportCursor, kind store.Kind, after string, limit int, continuing bool) (store.Batch, error) {
	b := store.Batch{Kind: kind}
	if !continuing {
		ec.close()
		cur, err := s.openExport(ctx, kind, after, limit)
		if err != nil {
			return b, fmt.Errorf("store: export %s: %w", kind, err)
		}
		ec.cur, ec.kind = cur, kind
	}
	var last bson.ObjectID
	n := 0
	for n < limit && ec.cur.Next(ctx) {
		id, err := appendExported(&b, ec.cur)
		if err != nil {
			return b, fmt.Errorf("store: export %s: %w", kind, err)
		}
		last, n = id, n+1
	}
	if err := ec.cur.Err(); err != nil {
		return b, fmt.Errorf("store: export %s: %w", kind, err)
	}
	// A full batch may have more after it; a short one is the end.
	if n == limit {
		b.Next = last.Hex()
		ec.next = b.Next
	}
	return b, nil
}

// openExport queries the live documents of kind after after, in _id order.
func (s *Store) openExport(ctx context.Context, kind store.Kind, after string, limit int) (*mongo.Cursor, error) {
	coll, err := s.transferColl(kind)
	if err != nil {
		return nil, err
	}
	filter, err := s.liveFilter(ctx, kind)
	if err != nil {
		return nil, err
	}
	if after != "" {
		id, err := bson.ObjectIDFromHex(after)
		if err != nil {
			return nil, fmt.Errorf("after %q is not an id", after)
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: id}}})
	}
	find := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(int32(min(limit, 10_000)))
	if kind == store.KindPins {
		find.SetProjection(pinProjection) // terms are derived again on import
	}
	return coll.Find(ctx, filter, find)
}

// close closes the cursor, if any.
func (ec *exportCursor) close() {
	if ec.cur != nil {
		_ = ec.cur.Close(context.Background())
		ec.cur, ec.next = nil, ""
	}
}

// appendExported decodes the cursor's document into b and returns its id.
func appendExported(b *store.Batch, cur *mongo.Cursor) (bson.ObjectID, error) {
	switch b.Kind {
	case store.KindUsers:
		return decodeInto(cur, &b.Users, func(u store.User) bson.ObjectID { return u.ID })
	case store.KindGroups:
		return decodeInto(cur, &b.Groups, func(g store.Group) bson.ObjectID { return g.ID })
	case store.KindPins:
		return decodeInto(cur, &b.Pins, func(p store.Pin) bson.ObjectID { return p.ID })
	case store.KindFollows:
		return decodeInto(cur, &b.Follows, func(f store.FollowEdge) bson.ObjectID { return f.ID })
	case store.KindComments:
		return decodeInto(cur, &b.Comments, func(c store.Comment) bson.ObjectID { return c.ID })
	case store.KindLikes:
		return decodeInto(cur, &b.Likes, func(r store.Reaction) bson.ObjectID { return r.ID })
	case store.KindBookmarks:
		return decodeInto(cur, &b.Bookmarks, func(r store.Reaction) bson.ObjectID { return r.ID })
	case store.KindSaves:
		return decodeInto(cur, &b.Saves, func(v store.Save) bson.ObjectID { return v.ID })
	case store.KindNotifications:
		return decodeInto(cur, &b.Notifications, func(n store.Notification) bson.ObjectID { return n.ID })
	}
	return bson.NilObjectID, fmt.Errorf("unknown kind %q", b.Kind)
}

// decodeInto appends the cursor's document to list and returns its id.
func decodeInto[T any](cur *mongo.Cursor, list *[]T, id func(T) bson.ObjectID) (bson.ObjectID, error) {
	var v T
	if err := cur.Decode(&v); err != nil {
		return bson.NilObjectID, err
	}
	*list = append(*list, v)
	return id(v), nil
}
