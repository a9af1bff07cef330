package mongostore

import (
	"context"
	"mypinterest/store"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// pinOrder sorts pins (and bookmarks) newest first, by _id descending.
var pinOrder = bson.D{{Key: "_id", Value: -1}}

// FindPins lists pins newest first, optionally searched (q.Query, see
// search.go) or by one author. The anonymous first page is served from
// the cache when warm: the grid is the busiest read by far.
func (s *Store) FindPins(ctx context.Context, q store.PinQuery, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	return store.ListAbout(ctx, q.AuthorID, p, s.FindUserByID, func() ([]store.PinView, *string, error) {
		return s.findPins(ctx, q, viewer, p)
	})
}

func (s *Store) findPins(ctx context.Context, q store.PinQuery, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	query := strings.TrimSpace(q.Query)
	// The scope names the list: the grid, a profile, and each search of
	// either are lists of their own.
	scope := "pins"
	if !q.AuthorID.IsZero() {
		scope = "author:" + q.AuthorID.Hex()
	}
	if query != "" {
		scope += "?q=" + query
	}
	sc := s.listScope(scope)
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if query == "" && after.IsZero() {
		// The grid and every profile open on their first page.
		if q.AuthorID.IsZero() {
			return s.firstPins(ctx, firstPinsKey, sc, bson.D{skipDeleting}, viewer, limit)
		}
		return s.firstPins(ctx, authorFirstPinsKey(q.AuthorID), sc,
			bson.D{{Key: "author_id", Value: q.AuthorID}, skipDeleting}, viewer, limit)
	}
	filter := bson.D{skipDeleting}
	if !q.AuthorID.IsZero() {
		filter = append(filter, bson.E{Key: "author_id", Value: q.AuthorID})
	}
	if query != "" {
		terms := store.SearchTerms(query)
		if len(terms) == 0 {
			// Only punctuation: no word to look for, nothing matches.
			return []store.PinView{}, nil, nil
		}
		filter = append(filter, termsFilter(terms))
	}
	return s.pinPage(ctx, sc, filter, after, limit, viewer)
}

// firstPins serves a first page: the ids of the newest MaxLimit+1 pins
// matching filter are cached under key (first:pins for the grid,
// first:author:<id> for a profile) and each doc under pin:<id>, so with a
// warm cache an anonymous viewer costs no database command at all. The next
// cursor continues list sc.
func (s *Store) firstPins(ctx context.Context, key string, sc store.ListScope, filter bson.D, viewer bson.ObjectID, limit int) ([]store.PinView, *string, error) {
	ids, err := cached(ctx, s.cache, key, func() ([]bson.ObjectID, error) {
		cur, err := s.pins.Find(ctx, filter, options.Find().
			SetSort(pinOrder).SetLimit(store.MaxLimit+1).SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, err
		}
		var rows []store.Pin
		if err := cur.All(ctx, &rows); err != nil {
			return nil, err
		}
		out := make([]bson.ObjectID, len(rows))
		for i, r := range rows {
			out[i] = r.ID
		}
		return out, nil
	})
	if err != nil {
		return nil, nil, err
	}
	// The cached slice is shared: slice it, never append to it.
	if len(ids) > limit+1 {
		ids = ids[:limit+1]
	}
	ids, next := store.NextCursor(sc, ids, limit, func(id bson.ObjectID) bson.ObjectID { return id })
	pins, err := s.pinsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	views, err := s.hydratePins(ctx, pins, viewer)
	return views, next, err
}

// pinsByID returns the visible pins among ids in the order of ids, from the
// pin:<id> cache and one find for the misses.
func (s *Store) pinsByID(ctx context.Context, ids []bson.ObjectID) ([]store.Pin, error) {
	byID, err := cachedMany(ctx, s.cache, pinKey, ids, func(missing []bson.ObjectID) (map[bson.ObjectID]store.Pin, error) {
		cur, err := s.pins.Find(ctx, bson.D{{Key: "_id", Value: inSet(missing)}, skipDeleting},
			options.Find().SetProjection(pinProjection))
		if err != nil {
			return nil, err
		}
		var rows []store.Pin
		if err := cur.All(ctx, &rows); err != nil {
			return nil, err
		}
		out := make(map[bson.ObjectID]store.Pin, len(rows))
		for _, r := range rows {
			out[r.ID] = r
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.Pin, 0, len(ids))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// pinPage runs one find for a page of pins matching filter, newest first
// after the cursor, and hydrates it; its cursor continues list sc.
func (s *Store) pinPage(ctx context.Context, sc store.ListScope, filter bson.D, after bson.ObjectID, limit int, viewer bson.ObjectID) ([]store.PinView, *string, error) {
	if !after.IsZero() {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	cur, err := s.pins.Find(ctx, filter, options.Find().
		SetSort(pinOrder).SetLimit(int64(limit+1)).SetProjection(pinProjection))
	if err != nil {
		return nil, nil, err
	}
	var pins []store.Pin
	if err := cur.All(ctx, &pins); err != nil {
		return nil, nil, err
	}
	pins, next := store.NextCursor(sc, pins, limit, func(p store.Pin) bson.ObjectID { return p.ID })
	views, err := s.hydratePins(ctx, pins, viewer)
	return views, next, err
}

// hydratePins turns pins into views with a constant number of queries
// whatever their number: FindCards for the authors, pinCounts (one
// aggregation per count kind for the misses) and, for a signed-in viewer,
// one find each on likes, bookmarks and saves. Pins whose author is gone (an
// account deletion in progress) are left out.
func (s *Store) hydratePins(ctx context.Context, pins []store.Pin, viewer bson.ObjectID) ([]store.PinView, error) {
	out := make([]store.PinView, 0, len(pins))
	if len(pins) == 0 {
		return out, nil
	}
	ids := make([]bson.ObjectID, len(pins))
	authors := make([]bson.ObjectID, len(pins))
	for i, p := range pins {
		ids[i], authors[i] = p.ID, p.AuthorID
	}
	cards, err := s.FindCards(ctx, authors)
	if err != nil {
		return nil, err
	}
	counts, err := s.pinCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	saved, err := s.savedGroups(ctx, viewer, ids)
	if err != nil {
		return nil, err
	}
	var liked, bookmarked map[bson.ObjectID]bool
	if !viewer.IsZero() {
		if liked, err = reactedPins(ctx, s.likes, viewer, ids); err != nil {
			return nil, err
		}
		if bookmarked, err = reactedPins(ctx, s.bookmarks, viewer, ids); err != nil {
			return nil, err
		}
	}
	for _, p := range pins {
		card, ok := cards[p.AuthorID]
		if !ok {
			continue
		}
		out = append(out, store.PinView{
			Pin: p, Author: card, Counts: counts[p.ID],
			LikedByMe: liked[p.ID], BookmarkedByMe: bookmarked[p.ID], SavedGroupIDs: orEmpty(saved[p.ID]),
		})
	}
	return out, nil
}

// reactedPins returns which of pins user has a document for in coll (likes
// or bookmarks), with one find.
func reactedPins(ctx context.Context, coll *collection, user bson.ObjectID, pins []bson.ObjectID) (map[bson.ObjectID]bool, error) {
	cur, err := coll.Find(ctx, bson.D{{Key: "user_id", Value: user}, {Key: "pin_id", Value: inSet(pins)}},
		options.Find().SetProjection(bson.D{{Key: "pin_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []reaction
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[bson.ObjectID]bool, len(rows))
	for _, r := range rows {
		out[r.PinID] = true
	}
	return out, nil
}

// FindBookmarkedPins lists the pins user bookmarked, most recently
// bookmarked first; the cursor runs over the bookmarks.
func (s *Store) FindBookmarkedPins(ctx context.Context, user bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	sc := s.listScope("bookmarks:" + user.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	filter := bson.D{{Key: "user_id", Value: user}}
	if !after.IsZero() {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	cur, err := s.bookmarks.Find(ctx, filter, options.Find().SetSort(pinOrder).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, nil, err
	}
	var marks []reaction
	if err := cur.All(ctx, &marks); err != nil {
		return nil, nil, err
	}
	marks, next := store.NextCursor(sc, marks, limit, func(r reaction) bson.ObjectID { return r.ID })
	ids := make([]bson.ObjectID, len(marks))
	for i, m := range marks {
		ids[i] = m.PinID
	}
	pins, err := s.pinsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	views, err := s.hydratePins(ctx, pins, user)
	return views, next, err
}

// orEmpty returns ids, or an empty slice for nil.
func orEmpty(ids []bson.ObjectID) []bson.ObjectID {
	if ids == nil {
		return []bson.ObjectID{}
	}
	return ids
}
