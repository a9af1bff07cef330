package sqlitestore

import (
	"context"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Every list below is one query per page: a keyset range on an index,
// newest first, limit+1 rows to know whether a next page exists.

// pinPage pages over pins matching where (with args), newest first.
func (s *Store) pinPage(ctx context.Context, sc store.ListScope, viewer bson.ObjectID, p store.Page, where string, args ...any) ([]store.PinView, *string, error) {
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if !after.IsZero() {
		where += ` AND p.id < ?`
		args = append(args, after[:])
	}
	pins, err := queryPins(ctx, s.r, viewer,
		`SELECT `+pinViewCols+pinViewFrom+`WHERE `+where+` ORDER BY p.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, nil, err
	}
	pins, next := store.NextCursor(sc, pins, limit, func(v store.PinView) bson.ObjectID { return v.ID })
	return pins, next, nil
}

// FindPins lists pins newest first: all of them, one author's, or those
// matching a search (store.SearchTerms: every term starts a word of the
// title or content).
func (s *Store) FindPins(ctx context.Context, q store.PinQuery, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	return store.ListAbout(ctx, q.AuthorID, p, s.FindUserByID, func() ([]store.PinView, *string, error) {
		return s.findPins(ctx, q, viewer, p)
	})
}

func (s *Store) findPins(ctx context.Context, q store.PinQuery, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	query := strings.TrimSpace(q.Query)
	scope := "pins"
	if !q.AuthorID.IsZero() {
		scope = "author:" + q.AuthorID.Hex()
	}
	if query != "" {
		return s.searchPins(ctx, s.listScope(scope+"?q="+query), q.AuthorID, query, viewer, p)
	}
	if q.AuthorID.IsZero() {
		return s.pinPage(ctx, s.listScope(scope), viewer, p, `1`)
	}
	return s.pinPage(ctx, s.listScope(scope), viewer, p, `p.author_id = ?`, q.AuthorID[:])
}

// searchPins serves a search from the full-text index, newest first. The
// index orders by seq (insertion order, which is id order), so a cursor's
// id is turned back into its pin's seq; a cursor whose pin was deleted
// meanwhile continues from the next older pin.
func (s *Store) searchPins(ctx context.Context, sc store.ListScope, author bson.ObjectID, query string, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	match, err := s.matchExpr(ctx, store.SearchTerms(query))
	if err != nil || match == "" {
		return []store.PinView{}, nil, err
	}
	bound := int64(1) << 62
	if !after.IsZero() {
		var seq int64
		var exact bool
		err := s.r.QueryRowContext(ctx, `SELECT seq, id = ? FROM pins WHERE id <= ? ORDER BY id DESC LIMIT 1`,
			after[:], after[:]).Scan(&seq, &exact)
		switch {
		case err == nil && exact:
			bound = seq
		case err == nil:
			bound = seq + 1
		default:
			if mapErr(err) != store.ErrNotFound {
				return nil, nil, mapErr(err)
			}
			return []store.PinView{}, nil, nil
		}
	}
	// The index's LIMIT is a literal: bound as a parameter, FTS5 sees its
	// value while planning, so SQLite prepared the statement again on every
	// run, which cost more than a rare word's whole search.
	where := `p.seq IN (SELECT rowid FROM pin_words WHERE pin_words MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ` +
		strconv.Itoa(limit+1) + `)`
	args := []any{match, bound}
	if !author.IsZero() {
		// One author's search filters the index's matches: bounded by
		// that author's share of them, and reached from no page today.
		where = `p.author_id = ? AND p.seq IN (SELECT rowid FROM pin_words WHERE pin_words MATCH ? AND rowid < ?)`
		args = []any{author[:], match, bound}
	}
	pins, err := queryPins(ctx, s.r, viewer,
		`SELECT `+pinViewCols+pinViewFrom+`WHERE `+where+` ORDER BY p.seq DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, nil, err
	}
	pins, next := store.NextCursor(sc, pins, limit, func(v store.PinView) bson.ObjectID { return v.ID })
	return pins, next, nil
}

// feedWalkFrom is the number of followees from which FindFeed walks the
// newest pins without estimating the walk first; feedWalkRows bounds that
// walk.
const (
	feedWalkFrom = 32
	feedWalkRows = 1000
)

// FindFeed lists pins by the people user follows, newest first. Two plans,
// both flat in the followees' total pins:
//   - a walk down the newest pins below the cursor keeping those whose
//     author user follows (one lookup in the follows key each): a page
//     costs about limit × (all pins ÷ the followees' pins) rows, a few
//     dozen when the followees write much. The walk gives up after
//     feedWalkRows pins (followees who write little) and the merge serves
//     the page.
//   - a k-way merge: for each followee the index (author_id, id) yields at
//     most limit+1 pins below the cursor, and only those are sorted and
//     hydrated. It costs an index seek and a sort of up to limit+1 rows
//     per followee.
//
// Who follows many walks. Who follows fewer than feedWalkFrom walks if the
// followees' share of all pins (their pin counts, kept by triggers) says
// the walk ends within half its bound, else merges.
func (s *Store) FindFeed(ctx context.Context, user bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	sc := s.listScope("feed:" + user.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	below := belowCursor(after)
	var following, theirs, all int64
	if err := s.r.QueryRowContext(ctx, `SELECT following_count,
			CASE WHEN following_count < ?2 THEN (SELECT total(x.pin_count) FROM follows f
				JOIN users x ON x.id = f.followee_id WHERE f.follower_id = ?1) ELSE 0 END,
			(SELECT coalesce(max(seq), 0) FROM pins)
		FROM users WHERE id = ?1`, user[:], feedWalkFrom).Scan(&following, &theirs, &all); err != nil {
		if err = mapErr(err); err != store.ErrNotFound {
			return nil, nil, err
		}
	}
	var pins []store.PinView
	walk := following >= feedWalkFrom || (theirs > 0 && int64(limit+1)*all <= theirs*feedWalkRows/2)
	if walk {
		// The walked rows are the pins themselves (the author is in the
		// row): hydrating a kept one looks up nothing more.
		pins, err = queryPins(ctx, s.r, user, `SELECT `+pinViewCols+`
			FROM (SELECT * FROM pins WHERE id < ? ORDER BY id DESC LIMIT ?) p
			JOIN users u ON u.id = p.author_id
			WHERE EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = p.author_id)
			ORDER BY p.id DESC LIMIT ?`, below, feedWalkRows, user[:], limit+1)
		if err != nil {
			return nil, nil, err
		}
	}
	if len(pins) <= limit && following > 0 {
		// Fewer than a page and a row: the walk ran out of rows (or was
		// not tried), so the merge decides.
		pins, err = queryPins(ctx, s.r, user, `SELECT `+pinViewCols+pinViewFrom+`
			WHERE p.id IN (
				SELECT c.id FROM follows f
				JOIN pins c ON c.id IN (SELECT id FROM pins WHERE author_id = f.followee_id AND id < ? ORDER BY id DESC LIMIT ?)
				WHERE f.follower_id = ?
				ORDER BY c.id DESC LIMIT ?)
			ORDER BY p.id DESC`, below, limit+1, user[:], limit+1)
		if err != nil {
			return nil, nil, err
		}
	}
	if pins == nil {
		pins = []store.PinView{}
	}
	pins, next := store.NextCursor(sc, pins, limit, func(v store.PinView) bson.ObjectID { return v.ID })
	return pins, next, nil
}

// FindBookmarkedPins lists the pins user bookmarked, most recently
// bookmarked first; the cursor runs over the bookmarks. The page of
// bookmarks and its pins are one query (a bookmark's pin always exists:
// deleting a pin deletes its bookmarks).
func (s *Store) FindBookmarkedPins(ctx context.Context, user bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	sc := s.listScope("bookmarks:" + user.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if user.IsZero() {
		return []store.PinView{}, nil, nil // nobody signed in bookmarked nothing
	}
	below := belowCursor(after)
	// Every pin here is bookmarked by the viewer: the lookup is a constant.
	cols := strings.Replace(pinViewCols, bookmarkedCol, `? IS NOT NULL`, 1)
	return queryKeyedPage(ctx, s.r, user, sc, limit, `SELECT `+cols+`, b.id
		FROM (`+bookmarksPage+`) b
		JOIN pins p ON p.seq = b.pin_seq JOIN users u ON u.id = p.author_id
		ORDER BY b.id DESC`, user[:], below, limit+1)
}

// bookmarksPage is a page of a user's bookmarks below a cursor, newest
// first, with each pin's seq, read from bookmarks_user_pages alone
// (schema step 9).
const bookmarksPage = `SELECT id, pin_seq FROM bookmarks WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`

// maxID sorts after every id: the upper bound of a first page.
var maxID = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// belowCursor is the exclusive upper bound of a newest-first page that
// starts after the cursor's id: maxID for a first page (no cursor).
func belowCursor(after bson.ObjectID) []byte {
	if after.IsZero() {
		return maxID
	}
	return after[:]
}
