package mongostore

import (
	"context"
	"errors"
	"fmt"
	"mypinterest/store"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// This file implements store.Transfer: whole documents by kind, in _id
// order, for copies between stores (the moving-house commands) and bulk
// loads. Images are in transfer_image.go.

var _ store.Transfer = (*Store)(nil)

// Export returns up to limit live records of kind with a key after after,
// in key order. Records a cascade is removing are left out (see doomed).
// Successive calls that each continue where the previous one ended read
// one query's cursor (see transfer_cursor.go).
func (s *Store) Export(ctx context.Context, kind store.Kind, after string, limit int) (store.Batch, error) {
	if limit <= 0 {
		return store.Batch{Kind: kind}, fmt.Errorf("store: export %s: limit %d", kind, limit)
	}
	ctx, cancel := transferContext(ctx)
	defer cancel()
	if kind == store.KindImages {
		return s.exportImages(ctx, after, limit)
	}
	return s.exportDocs(ctx, kind, after, limit)
}

// Count returns how many records of kind Export would return in all.
func (s *Store) Count(ctx context.Context, kind store.Kind) (int64, error) {
	ctx, cancel := transferContext(ctx)
	defer cancel()
	if kind == store.KindImages {
		files, _ := s.imageColls()
		return files.CountDocuments(ctx, bson.D{})
	}
	coll, err := s.transferColl(kind)
	if err != nil {
		return 0, err
	}
	filter, err := s.liveFilter(ctx, kind)
	if err != nil {
		return 0, err
	}
	n, err := coll.CountDocuments(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("store: count %s: %w", kind, err)
	}
	return n, nil
}

// Import inserts b's documents as they are, ids and times kept. A
// document whose _id is already there is left alone, so an interrupted
// copy simply runs again; one that collides with a different document on
// a unique field (an email taken by another user) is an error.
func (s *Store) Import(ctx context.Context, b store.Batch) error {
	ctx, cancel := transferContext(ctx)
	defer cancel()
	var docs []any
	var ids []bson.ObjectID
	var keys []string
	add := func(doc any, id bson.ObjectID, invalidate ...string) {
		docs, ids, keys = append(docs, doc), append(ids, id), append(keys, invalidate...)
	}
	switch b.Kind {
	case store.KindImages:
		return s.PutImage(ctx, b.Images)
	case store.KindUsers:
		// As CreateUser writes them: a store of an earlier version may
		// hold nickname keys of an older rule (lower-cased only).
		for _, u := range b.Users {
			u.NicknameKey = store.NicknameSkeleton(u.Nickname)
			add(u, u.ID, userKeys(u.ID)...)
		}
	case store.KindGroups:
		// As CreateGroup writes them: with their search terms; their
		// previews are computed when first listed (see groupViews).
		for _, g := range b.Groups {
			d := newGroupDoc(g)
			d.PreviewIDs = nil
			add(d, g.ID, groupKey(g.ID), groupPinCountKey(g.ID), ownerGroupsKey(g.OwnerID))
		}
	case store.KindPins:
		// As CreatePin writes them: with their search terms.
		for _, p := range b.Pins {
			add(newPinDoc(p), p.ID, pinKeys(p)...)
		}
		if len(b.Pins) > 0 {
			keys = append(keys, firstPinsKey)
		}
	case store.KindFollows:
		for _, f := range b.Follows {
			add(f, f.ID, followKeys(f.FollowerID, f.FolloweeID)...)
		}
	case store.KindComments:
		for _, c := range b.Comments {
			add(c, c.ID, commentKeys(c.PinID)...)
		}
	case store.KindLikes, store.KindBookmarks:
		rs := b.Likes
		if b.Kind == store.KindBookmarks {
			rs = b.Bookmarks
		}
		for _, r := range rs {
			add(r, r.ID, pinCountsKey(r.PinID))
		}
	case store.KindSaves:
		for _, v := range b.Saves {
			add(v, v.ID, saveKeys(v.PinID, v.GroupID)...)
		}
	case store.KindNotifications:
		for _, n := range b.Notifications {
			add(n, n.ID)
		}
	default:
		return fmt.Errorf("store: import: unknown kind %q", b.Kind)
	}
	if len(docs) == 0 {
		return nil
	}
	coll, err := s.transferColl(b.Kind)
	if err != nil {
		return err
	}
	if err := insertKeepingExisting(ctx, coll, docs, ids); err != nil {
		return fmt.Errorf("store: import %s: %w", b.Kind, err)
	}
	if err := s.stalePreviews(ctx, b); err != nil {
		return fmt.Errorf("store: import %s: %w", b.Kind, err)
	}
	// A bulk load into a serving store changes counts and lists already
	// cached here and on other instances.
	s.invalidate(keys...)
	return nil
}

// transferTimeout bounds each Transfer call whose context has no deadline.
// The client's per-operation timeout (15 s, see Open) suits requests, not
// a copy's queries, which on FerretDB scan and sort whole collections
// (minutes with a few hundred thousand records); a context deadline
// overrides it.
const transferTimeout = 30 * time.Minute

func transferContext(ctx context.Context) (context.Context, context.CancelFunc) {
	// Not a request's work: no per-command bound either (deadline.go).
	ctx = longRunning(ctx)
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, transferTimeout)
}

// insertKeepingExisting inserts docs (whose ids are ids) unordered, so one
// duplicate does not stop the rest. Duplicates are fine when the
// document with that _id is already there; otherwise the collision is on
// another unique index and the target holds different data.
func insertKeepingExisting(ctx context.Context, coll *collection, docs []any, ids []bson.ObjectID) error {
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	if !onlyDuplicates(err) {
		return err
	}
	var bwe mongo.BulkWriteException
	errors.As(err, &bwe)
	dup := make([]bson.ObjectID, 0, len(bwe.WriteErrors))
	for _, we := range bwe.WriteErrors {
		dup = append(dup, ids[we.Index])
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: inSet(dup)}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return err
	}
	var there []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &there); err != nil {
		return err
	}
	if len(there) == len(dup) {
		return nil
	}
	found := make(map[bson.ObjectID]bool, len(there))
	for _, t := range there {
		found[t.ID] = true
	}
	for _, id := range dup {
		if !found[id] {
			return fmt.Errorf("%d record(s) collide with different records already in the database on a unique field (first: id %s)",
				len(dup)-len(there), id.Hex())
		}
	}
	return nil
}

// transferColl is the collection holding records of kind.
func (s *Store) transferColl(kind store.Kind) (*collection, error) {
	switch kind {
	case store.KindUsers:
		return s.users, nil
	case store.KindGroups:
		return s.groups, nil
	case store.KindPins:
		return s.pins, nil
	case store.KindFollows:
		return s.follows, nil
	case store.KindComments:
		return s.comments, nil
	case store.KindLikes:
		return s.likes, nil
	case store.KindBookmarks:
		return s.bookmarks, nil
	case store.KindSaves:
		return s.saves, nil
	case store.KindNotifications:
		return s.notifications, nil
	}
	return nil, fmt.Errorf("store: unknown kind %q", kind)
}

// stalePreviews drops the preview ids of the groups an imported batch of
// pins or saves adds to, so that the next list computes them again.
func (s *Store) stalePreviews(ctx context.Context, b store.Batch) error {
	// A pin is in its author's group, a save in its user's: the owners'
	// cached group lists go too.
	var groups []bson.ObjectID
	var keys []string
	for _, p := range b.Pins {
		groups = append(groups, p.GroupID)
		keys = append(keys, groupKey(p.GroupID), ownerGroupsKey(p.AuthorID))
	}
	for _, v := range b.Saves {
		groups = append(groups, v.GroupID)
		keys = append(keys, groupKey(v.GroupID), ownerGroupsKey(v.UserID))
	}
	if len(groups) == 0 {
		return nil
	}
	_, err := s.groups.UpdateMany(ctx, bson.D{{Key: "_id", Value: inSet(groups)}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "preview_ids", Value: ""}}}})
	if err != nil {
		return err
	}
	s.invalidate(keys...)
	return nil
}
