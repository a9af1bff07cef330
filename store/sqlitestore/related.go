package sqlitestore

import (
	"context"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// FindRelatedPins lists pin's neighbours in two parts, each newest first:
// the pins sharing a public group with it (a k-way merge of two index
// ranges per group, deduplicated), then the pins sharing a word of its
// title (the search index, OR of the words) that are not in those groups.
// The cursor's scope says which part it continues: "related:" or
// "related-words:".
func (s *Store) FindRelatedPins(ctx context.Context, pinID, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	page, err := store.DecodeRelated(s.cursorKey, pinID, p)
	if err != nil {
		return nil, nil, err
	}
	after, limit, inWords := page.After, page.Limit, page.InWords
	var title string
	var ownGroup bson.ObjectID
	var secret bool
	err = s.r.QueryRowContext(ctx, `SELECT p.title, p.group_id, g.secret FROM pins p JOIN pin_groups g ON g.id = p.group_id
		WHERE p.id = ?`, pinID[:]).Scan(&title, idScan{&ownGroup}, &secret)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	groups := []bson.ObjectID{}
	if !secret {
		groups = append(groups, ownGroup)
	}
	saved, err := collectIDsDB(ctx, s.r, `SELECT s.group_id FROM saves s JOIN pin_groups g ON g.id = s.group_id
		WHERE s.pin_id = ? AND g.secret = 0 ORDER BY s.group_id DESC LIMIT ?`, pinID[:], store.RelatedGroups)
	if err != nil {
		return nil, nil, err
	}
	groups = append(groups, saved...)

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
	if len(hits) <= limit {
		wordAfter := bson.NilObjectID
		if inWords {
			wordAfter = after
		}
		ids, err := s.wordNeighbours(ctx, pinID, title, groups, wordAfter, limit+1-len(hits))
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			hits = append(hits, hit{id: id, words: true})
		}
	}
	var next *string
	if len(hits) > limit {
		hits = hits[:limit]
		last := hits[limit-1]
		next = page.Next(last.id, last.words)
	}
	ids := make([]bson.ObjectID, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	pins, err := s.pinsByID(ctx, ids, viewer)
	return pins, next, err
}

// groupNeighbours returns up to n distinct pins below after (by id,
// newest first) posted or saved into any of groups, other than pin.
func (s *Store) groupNeighbours(ctx context.Context, pin bson.ObjectID, groups []bson.ObjectID, after bson.ObjectID, n int) ([]bson.ObjectID, error) {
	below := after[:]
	if after.IsZero() {
		below = maxID
	}
	arms := make([]string, 0, 2*len(groups))
	var args []any
	for _, g := range groups {
		// n+1 per range: the pin itself may be among them.
		arms = append(arms,
			`SELECT * FROM (SELECT id AS pin FROM pins WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?)`,
			`SELECT * FROM (SELECT pin_id FROM saves WHERE group_id = ? AND pin_id < ? ORDER BY pin_id DESC LIMIT ?)`)
		args = append(args, g[:], below, n+1, g[:], below, n+1)
	}
	args = append(args, pin[:], n)
	return collectIDsDB(ctx, s.r, `SELECT DISTINCT pin FROM (`+strings.Join(arms, " UNION ALL ")+`)
		WHERE pin <> ? ORDER BY pin DESC LIMIT ?`, args...)
}

// wordNeighbours returns up to n pins below after (newest first, by the
// search index's seq) sharing a word of title, other than pin and the
// pins in groups (already listed before them).
func (s *Store) wordNeighbours(ctx context.Context, pin bson.ObjectID, title string, groups []bson.ObjectID, after bson.ObjectID, n int) ([]bson.ObjectID, error) {
	words := store.SearchTerms(title)
	if len(words) == 0 || n <= 0 {
		return nil, nil
	}
	for i, w := range words {
		words[i] = `"` + w + `"` // a whole word, not a prefix
	}
	bound := int64(1) << 62
	if !after.IsZero() {
		err := s.r.QueryRowContext(ctx, `SELECT seq FROM pins WHERE id = ?`, after[:]).Scan(&bound)
		if err != nil {
			if mapErr(err) == store.ErrNotFound {
				return nil, nil // the cursor's pin was deleted meanwhile: the list ends
			}
			return nil, mapErr(err)
		}
	}
	// "NOT IN ()" is no SQL: without groups the list holds one empty
	// blob, which no pin's group id equals.
	in := placeholders(max(len(groups), 1))
	gargs := idArgs(groups)
	if len(groups) == 0 {
		gargs = []any{[]byte{}}
	}
	args := []any{strings.Join(words, " OR "), bound, pin[:]}
	args = append(args, gargs...)
	args = append(args, gargs...)
	// The LIMIT is a literal, as in searchPins: bound as a parameter,
	// FTS5 sees it while planning and SQLite prepared the statement again
	// on every run (a tenth of a related page's CPU).
	return collectIDsDB(ctx, s.r, `SELECT p.id FROM pin_words w JOIN pins p ON p.seq = w.rowid
		WHERE pin_words MATCH ? AND w.rowid < ? AND p.id <> ?
		AND p.group_id NOT IN (`+in+`)
		AND NOT EXISTS (SELECT 1 FROM saves s WHERE s.pin_id = p.id AND s.group_id IN (`+in+`))
		ORDER BY w.rowid DESC LIMIT `+strconv.Itoa(n), args...)
}

// collectIDsDB returns the ids a one-column query yields.
func collectIDsDB(ctx context.Context, q querier, query string, args ...any) ([]bson.ObjectID, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []bson.ObjectID{}
	for rows.Next() {
		var id bson.ObjectID
		if err := rows.Scan(idScan{&id}); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, mapErr(rows.Err())
}
