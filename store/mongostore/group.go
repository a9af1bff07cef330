package mongostore

import (
	"context"
	"errors"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// cascadeBatch bounds how many pins one cascade step deletes with $in.
const cascadeBatch = 500

// CreateGroup validates and stores a new group of owner.
func (s *Store) CreateGroup(ctx context.Context, owner bson.ObjectID, in store.GroupInput, img store.ImageRef) (*store.GroupView, error) {
	g, err := store.NewGroupRecord(owner, in, img)
	if err != nil {
		return nil, err
	}
	if _, err := s.groups.InsertOne(ctx, newGroupDoc(g)); err != nil {
		return nil, mapErr(err)
	}
	s.invalidate(ownerGroupsKey(owner))
	return &store.GroupView{Group: g, Previews: []store.ImageRef{}}, nil
}

// loadGroup returns a group not being deleted, cached under group:<id>.
func (s *Store) loadGroup(ctx context.Context, id bson.ObjectID) (store.Group, error) {
	return cached(ctx, s.cache, groupKey(id), func() (store.Group, error) {
		var g store.Group
		err := s.groups.FindOne(ctx, bson.D{{Key: "_id", Value: id}, skipDeleting},
			options.FindOne().SetProjection(groupProjection)).Decode(&g)
		return g, mapErr(err)
	})
}

// visibleGroup returns group id if viewer may see it: a secret group of
// someone else is not found.
func (s *Store) visibleGroup(ctx context.Context, id, viewer bson.ObjectID) (store.Group, error) {
	g, err := s.loadGroup(ctx, id)
	if err == nil && !g.Visible(viewer) {
		err = store.ErrNotFound
	}
	return g, err
}

// ownGroup returns group id if actor owns it: ErrNotFound when it is not
// visible to actor, ErrForbidden when it is someone else's public group.
func (s *Store) ownGroup(ctx context.Context, id, actor bson.ObjectID) (store.Group, error) {
	g, err := s.visibleGroup(ctx, id, actor)
	if err == nil && g.OwnerID != actor {
		err = store.ErrForbidden
	}
	return g, err
}

// groupAlive reports whether group id exists, is owner's and is not being
// deleted, reading the database (not the cache): CreatePin and UpdatePin
// call it after writing to detect a concurrent group deletion.
func (s *Store) groupAlive(ctx context.Context, id, owner bson.ObjectID) (bool, error) {
	err := s.groups.FindOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner_id", Value: owner}, skipDeleting},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// FindGroup returns a group with its pin count, if viewer may see it.
func (s *Store) FindGroup(ctx context.Context, id, viewer bson.ObjectID) (*store.GroupView, error) {
	g, err := s.visibleGroup(ctx, id, viewer)
	if err != nil {
		return nil, err
	}
	n, err := s.groupPinCounts(ctx, []bson.ObjectID{id})
	if err != nil {
		return nil, err
	}
	return &store.GroupView{Group: g, PinCount: n[id]}, nil
}

// FindGroupsByOwner lists owner's groups, newest first, each with its pin
// count: one find and at most one aggregation whatever their number.
func (s *Store) FindGroupsByOwner(ctx context.Context, owner bson.ObjectID) ([]store.GroupView, error) {
	// Cached under og:<owner>, invalidated by every group write of that
	// owner; the pin counts have their own cache (gc:<id>).
	groups, err := s.ownerGroups(ctx, owner)
	if err != nil {
		return nil, err
	}
	return s.groupViews(ctx, groups)
}

// ownerGroups are owner's group documents, newest first, cached under
// og:<owner>, invalidated by every group write of that owner.
func (s *Store) ownerGroups(ctx context.Context, owner bson.ObjectID) ([]groupDoc, error) {
	return cached(ctx, s.cache, ownerGroupsKey(owner), func() ([]groupDoc, error) {
		cur, err := s.groups.Find(ctx, bson.D{{Key: "owner_id", Value: owner}, skipDeleting},
			options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetProjection(groupProjection))
		if err != nil {
			return nil, err
		}
		var groups []groupDoc
		err = cur.All(ctx, &groups)
		return groups, err
	})
}

// FindGroupChoices implements store.Groups: the documents of
// FindGroupsByOwner (same query and cache) without their counts.
func (s *Store) FindGroupChoices(ctx context.Context, owner bson.ObjectID) ([]store.Group, error) {
	groups, err := s.ownerGroups(ctx, owner)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]store.Group, len(groups))
	for i, g := range groups {
		out[i] = g.Group
	}
	return out, nil
}

// UpdateGroup applies p to group id if actor owns it.
func (s *Store) UpdateGroup(ctx context.Context, id, actor bson.ObjectID, p store.GroupPatch) (*store.GroupView, error) {
	if _, err := s.ownGroup(ctx, id, actor); err != nil {
		return nil, err
	}
	f := store.Fields{}
	set := patchSet(f, p.Title, p.Content, p.Image)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if p.Secret != nil {
		set = append(set, bson.E{Key: "secret", Value: *p.Secret})
	}
	set = append(set, bson.E{Key: "updated_at", Value: store.Now()})
	var g store.Group
	err := s.groups.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner_id", Value: actor}, skipDeleting},
		bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&g)
	if err != nil {
		return nil, mapErr(err)
	}
	// The search terms follow the title and the secret flag, written
	// from the document as it now is (a concurrent edit writes its own).
	if _, err := s.groups.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "terms", Value: groupTerms(g)}}}}); err != nil {
		return nil, err
	}
	s.invalidate(groupKey(id), ownerGroupsKey(actor))
	n, err := s.groupPinCounts(ctx, []bson.ObjectID{id})
	if err != nil {
		return nil, err
	}
	return &store.GroupView{Group: g, PinCount: n[id]}, nil
}

// DeleteGroup deletes group id, its pins and their cascades, if actor owns
// it, and returns the ids of the pins it deleted (for pin.deleted events).
func (s *Store) DeleteGroup(ctx context.Context, id, actor bson.ObjectID) ([]bson.ObjectID, error) {
	if _, err := s.ownGroup(ctx, id, actor); err != nil {
		return nil, err
	}
	return s.deleteGroupCascade(ctx, id)
}

// deleteGroupCascade deletes a group without a transaction: the group is
// marked deleting (hidden at once), then all its pins, then each batch of
// pins runs the pin cascade, and the group document goes last. Running it
// again after a crash at any step finishes the job; on a group already
// gone it only sweeps pins left behind. It returns the ids of the pins it
// deleted, read by the sweep anyway (no extra query).
func (s *Store) deleteGroupCascade(ctx context.Context, groupID bson.ObjectID) ([]bson.ObjectID, error) {
	ctx = longRunning(ctx) // commands over a whole group (deadline.go)
	var g store.Group
	err := s.groups.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: groupID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}).Decode(&g)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, err
	}
	keys := []string{groupKey(groupID), groupPinCountKey(groupID)}
	if err == nil {
		keys = append(keys, ownerGroupsKey(g.OwnerID), authorFirstPinsKey(g.OwnerID))
	}
	s.invalidate(keys...)
	byGroup := bson.D{{Key: "group_id", Value: groupID}}
	// Saves into the group go first: the pins stay, their counts change.
	if err := s.deleteSaves(ctx, byGroup); err != nil {
		return nil, err
	}
	if _, err := s.pins.UpdateMany(ctx, byGroup,
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		return nil, err
	}
	s.invalidate(firstPinsKey)
	pinIDs, err := s.sweepPins(ctx, byGroup)
	if err != nil {
		return nil, err
	}
	if _, err := s.groups.DeleteOne(ctx, bson.D{{Key: "_id", Value: groupID}}); err != nil {
		return nil, err
	}
	return pinIDs, nil
}

// sweepPins runs the pin cascade over every pin matching filter, a batch
// of cascadeBatch pins per round (a constant number of commands per batch,
// not per pin). Each round deletes what it found, so the loop ends. It
// returns the ids of the pins it deleted.
func (s *Store) sweepPins(ctx context.Context, filter bson.D) ([]bson.ObjectID, error) {
	opts := options.Find().SetLimit(cascadeBatch).
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "author_id", Value: 1}, {Key: "group_id", Value: 1}})
	var deleted []bson.ObjectID
	for {
		cur, err := s.pins.Find(ctx, filter, opts)
		if err != nil {
			return deleted, err
		}
		var batch []store.Pin
		if err := cur.All(ctx, &batch); err != nil {
			return deleted, err
		}
		if len(batch) == 0 {
			return deleted, nil
		}
		if err := s.deletePins(ctx, batch); err != nil {
			return deleted, err
		}
		for _, p := range batch {
			deleted = append(deleted, p.ID)
		}
	}
}

// resumeGroupDeletions finishes every group cascade a crash interrupted.
func (s *Store) resumeGroupDeletions(ctx context.Context) error {
	return resumeMarked(ctx, s.groups, "group", func(ctx context.Context, id bson.ObjectID) error {
		_, err := s.deleteGroupCascade(ctx, id)
		return err
	})
}
