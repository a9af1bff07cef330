package mongostore

import (
	"context"
	"errors"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"mypinterest/store"
)

// groupDoc is a group as stored: the domain's fields, the words of its
// title when it is public (group search; a secret group has none), and
// the ids of its newest additions for the previews of group lists.
// PreviewIDs is absent (nil) on groups written before boards or by an
// import: the first list that shows the group computes it.
type groupDoc struct {
	store.Group `bson:",inline"`
	Terms       []string        `bson:"terms,omitempty"`
	PreviewIDs  []bson.ObjectID `bson:"preview_ids"`
}

// groupProjection leaves the search terms out of group reads.
var groupProjection = bson.D{{Key: "terms", Value: 0}}

// newGroupDoc derives the stored document of a new group g.
func newGroupDoc(g store.Group) groupDoc {
	return groupDoc{Group: g, Terms: groupTerms(g), PreviewIDs: []bson.ObjectID{}}
}

// groupTerms are the words a group is found by: none when it is secret.
func groupTerms(g store.Group) []string {
	if g.Secret {
		return []string{}
	}
	t := store.Words(g.Title)
	if t == nil {
		t = []string{}
	}
	return t
}

// backfillSecret makes the groups written before boards secret: groups
// were private then, and stay so until their owners open them up. They
// are found at the null point of the index on secret; new groups always
// carry the field.
func (s *Store) backfillSecret(ctx context.Context) error {
	// A read first, so that a store already done sends no write.
	err := s.groups.FindOne(ctx, bson.D{{Key: "secret", Value: nil}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.groups.UpdateMany(ctx, bson.D{{Key: "secret", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "secret", Value: true}, {Key: "terms", Value: []string{}}}}})
	return err
}

// saveRow is what the store reads of a save.
type saveRow struct {
	ID      bson.ObjectID `bson:"_id"`
	PinID   bson.ObjectID `bson:"pin_id"`
	GroupID bson.ObjectID `bson:"group_id"`
}

// deleteSaves deletes the saves matching filter and drops the counts and
// previews they were part of (read before the delete).
func (s *Store) deleteSaves(ctx context.Context, filter bson.D) error {
	cur, err := s.saves.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "pin_id", Value: 1}, {Key: "group_id", Value: 1}}))
	if err != nil {
		return err
	}
	var rows []saveRow
	if err := cur.All(ctx, &rows); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := s.saves.DeleteMany(ctx, filter); err != nil {
		return err
	}
	keys := make([]string, 0, 2*len(rows))
	groups := make([]bson.ObjectID, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, saveKeys(r.PinID, r.GroupID)...)
		groups = append(groups, r.GroupID)
	}
	s.invalidate(keys...)
	return s.refreshPreviews(ctx, groups...)
}

// refreshPreviews recomputes the preview ids of groups (each distinct
// group once): its newest store.PreviewPins additions, posted or saved.
// Writes call it for the groups whose additions they changed.
func (s *Store) refreshPreviews(ctx context.Context, groups ...bson.ObjectID) error {
	seen := map[bson.ObjectID]bool{}
	for _, g := range groups {
		if seen[g] {
			continue
		}
		seen[g] = true
		ids, err := s.previewIDs(ctx, g)
		if err != nil {
			return err
		}
		var owner struct {
			OwnerID bson.ObjectID `bson:"owner_id"`
		}
		err = s.groups.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: g}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "preview_ids", Value: ids}}}}).Decode(&owner)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return err
		}
		s.invalidate(ownerGroupsKey(owner.OwnerID))
	}
	return nil
}

// previewIDs returns the pins of group's newest additions.
func (s *Store) previewIDs(ctx context.Context, group bson.ObjectID) ([]bson.ObjectID, error) {
	adds, err := s.additions(ctx, group, bson.NilObjectID, store.PreviewPins)
	if err != nil {
		return nil, err
	}
	ids := make([]bson.ObjectID, len(adds))
	for i, a := range adds {
		ids[i] = a.pin
	}
	return ids, nil
}

// addition is one pin in a group: posted (key = the pin's id) or saved
// (key = the save's id).
type addition struct{ key, pin bson.ObjectID }

// additions returns up to n additions of group below after, newest
// first: a merge of two index ranges, pins (group_id, _id) and saves
// (group_id, _id).
func (s *Store) additions(ctx context.Context, group, after bson.ObjectID, n int) ([]addition, error) {
	posted := bson.D{{Key: "group_id", Value: group}, skipDeleting}
	saved := bson.D{{Key: "group_id", Value: group}}
	if !after.IsZero() {
		lt := bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}}
		posted, saved = append(posted, lt), append(saved, lt)
	}
	opts := options.Find().SetSort(pinOrder).SetLimit(int64(n))
	cur, err := s.pins.Find(ctx, posted, opts.SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var pins []store.Pin
	if err := cur.All(ctx, &pins); err != nil {
		return nil, err
	}
	cur, err = s.saves.Find(ctx, saved, options.Find().SetSort(pinOrder).SetLimit(int64(n)).
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "pin_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var saves []saveRow
	if err := cur.All(ctx, &saves); err != nil {
		return nil, err
	}
	out := make([]addition, 0, len(pins)+len(saves))
	for _, p := range pins {
		out = append(out, addition{p.ID, p.ID})
	}
	for _, sv := range saves {
		out = append(out, addition{sv.ID, sv.PinID})
	}
	slices.SortFunc(out, func(a, b addition) int { return slices.Compare(b.key[:], a.key[:]) })
	return out[:min(n, len(out))], nil
}

// groupViews hydrates group documents with their pin counts and previews:
// one aggregation per count kind for the cache misses and one find for
// the previews' pins, whatever the number of groups. A group without
// preview ids yet gets them computed first (once).
func (s *Store) groupViews(ctx context.Context, docs []groupDoc) ([]store.GroupView, error) {
	docs = slices.Clone(docs) // a cached list is shared: fill in a copy
	ids := make([]bson.ObjectID, len(docs))
	var previewPins []bson.ObjectID
	for i, d := range docs {
		ids[i] = d.ID
		if d.PreviewIDs == nil {
			// Computed once, then kept by the writes (the cached
			// document is shared: replace, never append to, its slice).
			pv, err := s.previewIDs(ctx, d.ID)
			if err != nil {
				return nil, err
			}
			if _, err := s.groups.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "preview_ids", Value: pv}}}}); err != nil {
				return nil, err
			}
			docs[i].PreviewIDs = pv
		}
		previewPins = append(previewPins, docs[i].PreviewIDs...)
	}
	counts, err := s.groupPinCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	pins, err := s.pinsByID(ctx, previewPins)
	if err != nil {
		return nil, err
	}
	images := make(map[bson.ObjectID]store.ImageRef, len(pins))
	for _, p := range pins {
		images[p.ID] = p.Image
	}
	out := make([]store.GroupView, len(docs))
	for i, d := range docs {
		v := store.GroupView{Group: d.Group, PinCount: counts[d.ID], Previews: []store.ImageRef{}}
		for _, id := range d.PreviewIDs {
			if img, ok := images[id]; ok {
				v.Previews = append(v.Previews, img)
			}
		}
		out[i] = v
	}
	return out, nil
}

// SetSave saves (on) or unsaves pin into group for user, the group's
// owner. A save written while the pin or the group was being deleted is
// taken back (the same check-after-write as afterPinPlaced).
func (s *Store) SetSave(ctx context.Context, pinID, groupID, user bson.ObjectID, on bool) (store.SaveResult, error) {
	st := store.SaveState{Saved: on, GroupID: groupID}
	p, err := s.loadPin(ctx, pinID)
	if err != nil {
		return store.SaveResult{}, err
	}
	if _, err := s.ownGroup(ctx, groupID, user); err != nil {
		return store.SaveResult{}, err
	}
	changed := false
	one := bson.D{{Key: "pin_id", Value: pinID}, {Key: "group_id", Value: groupID}}
	switch {
	case on && p.GroupID == groupID:
		return store.SaveResult{}, store.ErrAlreadyInGroup
	case on:
		sv := store.Save{ID: bson.NewObjectID(), PinID: pinID, GroupID: groupID, UserID: user, CreatedAt: store.Now()}
		_, err := s.saves.InsertOne(ctx, sv)
		switch {
		case mongo.IsDuplicateKeyError(err):
		case err != nil:
			return store.SaveResult{}, err
		default:
			changed = true
		}
		pinOK, err := s.pinAlive(ctx, pinID)
		if err != nil {
			return store.SaveResult{}, err
		}
		groupOK, err := s.groupAlive(ctx, groupID, user)
		if err != nil {
			return store.SaveResult{}, err
		}
		if !pinOK || !groupOK {
			if err := s.deleteSaves(ctx, one); err != nil {
				return store.SaveResult{}, err
			}
			return store.SaveResult{}, store.ErrNotFound
		}
	default:
		res, err := s.saves.DeleteOne(ctx, one)
		if err != nil {
			return store.SaveResult{}, err
		}
		changed = res.DeletedCount > 0
	}
	if changed {
		s.invalidate(saveKeys(pinID, groupID)...)
		if err := s.refreshPreviews(ctx, groupID); err != nil {
			return store.SaveResult{}, err
		}
	}
	n, err := countBy(ctx, s.saves, "pin_id", []bson.ObjectID{pinID})
	if err != nil {
		return store.SaveResult{}, err
	}
	st.SaveCount = n[pinID]
	return store.SaveResult{State: st, Changed: changed, Pin: &p}, nil
}

// savedGroups returns, for each of pins, viewer's groups it was saved
// into (in id order), with one find.
func (s *Store) savedGroups(ctx context.Context, viewer bson.ObjectID, pins []bson.ObjectID) (map[bson.ObjectID][]bson.ObjectID, error) {
	out := map[bson.ObjectID][]bson.ObjectID{}
	if viewer.IsZero() || len(pins) == 0 {
		return out, nil
	}
	cur, err := s.saves.Find(ctx, bson.D{{Key: "user_id", Value: viewer}, {Key: "pin_id", Value: inSet(pins)}},
		options.Find().SetProjection(bson.D{{Key: "pin_id", Value: 1}, {Key: "group_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []saveRow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PinID] = append(out[r.PinID], r.GroupID)
	}
	for _, gs := range out {
		slices.SortFunc(gs, func(a, b bson.ObjectID) int { return slices.Compare(a[:], b[:]) })
	}
	return out, nil
}

// FindGroupPins lists the pins posted or saved into group id, newest
// addition first, if viewer may see the group.
func (s *Store) FindGroupPins(ctx context.Context, id, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	sc := s.listScope("group:" + id.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.visibleGroup(ctx, id, viewer); err != nil {
		return nil, nil, err
	}
	adds, err := s.additions(ctx, id, after, limit+1)
	if err != nil {
		return nil, nil, err
	}
	adds, next := store.NextCursor(sc, adds, limit, func(a addition) bson.ObjectID { return a.key })
	ids := make([]bson.ObjectID, len(adds))
	for i, a := range adds {
		ids[i] = a.pin
	}
	pins, err := s.pinsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	views, err := s.hydratePins(ctx, pins, viewer)
	return views, next, err
}

// FindUserGroups lists owner's groups newest first (the public ones
// unless viewer is owner), with pin counts and previews.
func (s *Store) FindUserGroups(ctx context.Context, owner, viewer bson.ObjectID, p store.Page) ([]store.GroupView, *string, error) {
	return store.ListAbout(ctx, owner, p, s.FindUserByID, func() ([]store.GroupView, *string, error) {
		return s.findUserGroups(ctx, owner, viewer, p)
	})
}

func (s *Store) findUserGroups(ctx context.Context, owner, viewer bson.ObjectID, p store.Page) ([]store.GroupView, *string, error) {
	sc := s.listScope("groups:" + owner.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	filter := bson.D{{Key: "owner_id", Value: owner}, skipDeleting}
	if owner != viewer {
		// Every group carries secret (backfillSecret): an equality,
		// served by (owner_id, secret, _id).
		filter = append(filter, bson.E{Key: "secret", Value: false})
	}
	return s.groupPage(ctx, sc, filter, after, limit)
}

// groupPage runs one find for a page of groups matching filter, newest
// first after the cursor, and hydrates it.
func (s *Store) groupPage(ctx context.Context, sc store.ListScope, filter bson.D, after bson.ObjectID, limit int) ([]store.GroupView, *string, error) {
	if !after.IsZero() {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	cur, err := s.groups.Find(ctx, filter, options.Find().SetSort(pinOrder).SetLimit(int64(limit+1)).
		SetProjection(groupProjection))
	if err != nil {
		return nil, nil, err
	}
	var docs []groupDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, nil, err
	}
	docs, next := store.NextCursor(sc, docs, limit, func(d groupDoc) bson.ObjectID { return d.ID })
	views, err := s.groupViews(ctx, docs)
	return views, next, err
}

// SearchGroups lists public groups whose title words start with every
// term of q, newest first: ranges of the index on terms (secret groups
// have none).
func (s *Store) SearchGroups(ctx context.Context, q string, p store.Page) ([]store.GroupView, *string, error) {
	q = strings.TrimSpace(q)
	sc := s.listScope("groups?q=" + q)
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	terms := store.SearchTerms(q)
	if len(terms) == 0 {
		return []store.GroupView{}, nil, nil
	}
	// Secret groups carry no terms: the terms index alone finds public ones.
	filter := bson.D{termsFilter(terms), skipDeleting}
	return s.groupPage(ctx, sc, filter, after, limit)
}

// SearchUsers lists users whose nickname skeleton starts with q's, in
// skeleton order: a range of the unique index on nickname_key. The cursor
// is the last user's id, turned back into its key.
func (s *Store) SearchUsers(ctx context.Context, q string, p store.Page) ([]store.Card, *string, error) {
	key := store.NicknameSkeleton(strings.TrimSpace(q))
	sc := s.listScope("users?q=" + key)
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if key == "" {
		return []store.Card{}, nil, nil
	}
	lower := bson.E{Key: "$gte", Value: key}
	if !after.IsZero() {
		var u store.User
		err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: after}},
			options.FindOne().SetProjection(bson.D{{Key: "nickname_key", Value: 1}})).Decode(&u)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return []store.Card{}, nil, nil // that user left meanwhile: the list ends
		}
		if err != nil {
			return nil, nil, err
		}
		lower = bson.E{Key: "$gt", Value: u.NicknameKey}
	}
	cur, err := s.users.Find(ctx, bson.D{
		{Key: "nickname_key", Value: bson.D{lower, {Key: "$lt", Value: key + "\U0010FFFF"}}}, skipDeleting},
		options.Find().SetSort(bson.D{{Key: "nickname_key", Value: 1}}).SetLimit(int64(limit+1)).
			SetProjection(bson.D{{Key: "nickname", Value: 1}, {Key: "avatar", Value: 1}}))
	if err != nil {
		return nil, nil, err
	}
	var users []store.User
	if err := cur.All(ctx, &users); err != nil {
		return nil, nil, err
	}
	cards := make([]store.Card, len(users))
	for i := range users {
		cards[i] = users[i].Card()
	}
	cards, next := store.NextCursor(sc, cards, limit, func(c store.Card) bson.ObjectID { return c.ID })
	return cards, next, nil
}
