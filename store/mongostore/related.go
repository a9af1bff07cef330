package mongostore

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"mypinterest/store"
)

// FindRelatedPins lists pin's neighbours in two parts, each newest first:
// the pins sharing a public group with it (posted: the index (group_id,
// _id) over the groups; saved: (group_id, pin_id)), then the pins sharing
// a word of its title (the terms index) outside those groups. The
// cursor's scope says which part it continues.
func (s *Store) FindRelatedPins(ctx context.Context, pinID, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	page, err := store.DecodeRelated(s.cursorKey, pinID, p)
	if err != nil {
		return nil, nil, err
	}
	after, limit, inWords := page.After, page.Limit, page.InWords
	pin, err := s.loadPin(ctx, pinID)
	if err != nil {
		return nil, nil, err
	}
	groups, err := s.relatedGroupIDs(ctx, pin)
	if err != nil {
		return nil, nil, err
	}
	type hit struct {
		id    bson.ObjectID
		words bool
	}
	var hits []hit
	if !inWords && len(groups) > 0 {
		ids, err := s.groupNeighbours(ctx, pinID, groups, after, limit+1)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			hits = append(hits, hit{id: id})
		}
	}
	var wordsNext bson.ObjectID
	if len(hits) <= limit {
		wordAfter := bson.NilObjectID
		if inWords {
			wordAfter = after
		}
		ids, more, err := s.wordNeighbours(ctx, pin, groups, wordAfter, limit+1-len(hits))
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			hits = append(hits, hit{id: id, words: true})
		}
		wordsNext = more
	}
	var next *string
	switch {
	case len(hits) > limit:
		hits = hits[:limit]
		last := hits[limit-1]
		next = page.Next(last.id, last.words)
	case !wordsNext.IsZero():
		// Candidates were left out (saved into the groups above) and
		// more may follow: continue after the last one examined.
		next = page.Next(wordsNext, true)
	}
	ids := make([]bson.ObjectID, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	pins, err := s.pinsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	views, err := s.hydratePins(ctx, pins, viewer)
	return views, next, err
}

// relatedGroupIDs returns the public groups pin is in: its own and up to
// store.RelatedGroups it was saved into.
func (s *Store) relatedGroupIDs(ctx context.Context, pin store.Pin) ([]bson.ObjectID, error) {
	cur, err := s.saves.Find(ctx, bson.D{{Key: "pin_id", Value: pin.ID}}, options.Find().
		SetSort(bson.D{{Key: "group_id", Value: -1}}).SetLimit(store.RelatedGroups).
		SetProjection(bson.D{{Key: "group_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []saveRow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	candidates := []bson.ObjectID{pin.GroupID}
	for _, r := range rows {
		candidates = append(candidates, r.GroupID)
	}
	cur, err = s.groups.Find(ctx, bson.D{{Key: "_id", Value: inSet(candidates)}, skipDeleting},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "secret", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var found []store.Group
	if err := cur.All(ctx, &found); err != nil {
		return nil, err
	}
	out := make([]bson.ObjectID, 0, len(found))
	for _, g := range found {
		if !g.Secret {
			out = append(out, g.ID)
		}
	}
	return out, nil
}

// groupNeighbours returns up to n distinct pins below after (by id,
// newest first) posted or saved into any of groups, other than pin: one
// find on pins and one on saves. A pin may be saved into several of the
// groups, so the saves are read n per group.
func (s *Store) groupNeighbours(ctx context.Context, pin bson.ObjectID, groups []bson.ObjectID, after bson.ObjectID, n int) ([]bson.ObjectID, error) {
	// The pin itself is left out here, not in the filters ($ne bounds
	// no index), so each find reads one more.
	postedIn := bson.D{{Key: "group_id", Value: inSet(groups)}, skipDeleting}
	savedIn := bson.D{{Key: "group_id", Value: inSet(groups)}}
	if !after.IsZero() {
		postedIn = append(postedIn, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
		savedIn = append(savedIn, bson.E{Key: "pin_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	cur, err := s.pins.Find(ctx, postedIn,
		options.Find().SetSort(pinOrder).SetLimit(int64(n+1)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var posted []store.Pin
	if err := cur.All(ctx, &posted); err != nil {
		return nil, err
	}
	cur, err = s.saves.Find(ctx, savedIn,
		options.Find().SetSort(bson.D{{Key: "pin_id", Value: -1}}).SetLimit(int64((n+1)*len(groups))).
			SetProjection(bson.D{{Key: "pin_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var saved []saveRow
	if err := cur.All(ctx, &saved); err != nil {
		return nil, err
	}
	seen := map[bson.ObjectID]bool{pin: true}
	var out []bson.ObjectID
	for _, p := range posted {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p.ID)
		}
	}
	for _, sv := range saved {
		if !seen[sv.PinID] {
			seen[sv.PinID] = true
			out = append(out, sv.PinID)
		}
	}
	slices.SortFunc(out, func(a, b bson.ObjectID) int { return slices.Compare(b[:], a[:]) })
	return out[:min(n, len(out))], nil
}

// wordNeighbours returns up to n pins below after, newest first, sharing
// a whole word of pin's title, other than pin and the pins of groups. The
// pins saved into groups are left out after the find (the store cannot
// join), so it reads a bounded surplus; when it examined candidates it
// could not use and more may follow, more is the last one examined.
func (s *Store) wordNeighbours(ctx context.Context, pin store.Pin, groups []bson.ObjectID, after bson.ObjectID, n int) (ids []bson.ObjectID, more bson.ObjectID, err error) {
	words := store.SearchTerms(pin.Title)
	if len(words) == 0 || n <= 0 {
		return nil, bson.NilObjectID, nil
	}
	// The pin itself and the pins of groups are left out after the find
	// ($ne and $nin bound no index).
	filter := bson.D{{Key: "terms", Value: bson.D{{Key: "$in", Value: words}}}, skipDeleting}
	if !after.IsZero() {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	fetch := 2*n + 8
	cur, err := s.pins.Find(ctx, filter, options.Find().SetSort(pinOrder).SetLimit(int64(fetch)).
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "group_id", Value: 1}}))
	if err != nil {
		return nil, bson.NilObjectID, err
	}
	var cands []store.Pin
	if err := cur.All(ctx, &cands); err != nil {
		return nil, bson.NilObjectID, err
	}
	excluded := map[bson.ObjectID]bool{pin.ID: true}
	for _, c := range cands {
		if slices.Contains(groups, c.GroupID) {
			excluded[c.ID] = true
		}
	}
	if len(groups) > 0 && len(cands) > 0 {
		cids := make([]bson.ObjectID, len(cands))
		for i, c := range cands {
			cids[i] = c.ID
		}
		cur, err := s.saves.Find(ctx, bson.D{{Key: "pin_id", Value: inSet(cids)}, {Key: "group_id", Value: inSet(groups)}},
			options.Find().SetProjection(bson.D{{Key: "pin_id", Value: 1}}))
		if err != nil {
			return nil, bson.NilObjectID, err
		}
		var rows []saveRow
		if err := cur.All(ctx, &rows); err != nil {
			return nil, bson.NilObjectID, err
		}
		for _, r := range rows {
			excluded[r.PinID] = true
		}
	}
	for i, c := range cands {
		if excluded[c.ID] {
			continue
		}
		if len(ids) == n {
			return ids, bson.NilObjectID, nil // the caller's n includes one to spare
		}
		ids = append(ids, c.ID)
		if i == len(cands)-1 {
			break
		}
	}
	if len(cands) == fetch && len(ids) < n {
		more = cands[len(cands)-1].ID
	}
	return ids, more, nil
}
