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
//
// A page costs about its own length, each part one query that hydrates
// what it finds: the group part merges at most a page and a row per index
// range; the words part filters the search index's matches, newest first,
// and stops after the rows the page still needs and one more. It is not
// run when the group part fills the page.
func (s *Store) FindRelatedPins(ctx context.Context, pinID, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	page, err := store.DecodeRelated(s.cursorKey, pinID, p)
	if err != nil {
		return nil, nil, err
	}
	after, limit, inWords := page.After, page.Limit, page.InWords
	var (
		title    string
		ownGroup bson.ObjectID
		secret   bool
		seq      int64
		saves    int
	)
	err = s.r.QueryRowContext(ctx, `SELECT p.title, p.group_id, g.secret, p.seq, p.save_count
		FROM pins p JOIN pin_groups g ON g.id = p.group_id WHERE p.id = ?`, pinID[:]).
		Scan(&title, idScan{&ownGroup}, &secret, &seq, &saves)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	groups := []bson.ObjectID{}
	if !secret {
		groups = append(groups, ownGroup)
	}
	if saves > 0 { // most pins were never saved: no query for their saves
		saved, err := collectIDsDB(ctx, s.r, `SELECT s.group_id FROM saves s JOIN pin_groups g ON g.id = s.group_id
			WHERE s.pin_id = ? AND g.secret = 0 ORDER BY s.group_id DESC LIMIT ?`, pinID[:], store.RelatedGroups)
		if err != nil {
			return nil, nil, err
		}
		groups = append(groups, saved...)
	}

	near := []store.PinView{} // the group part of this page
	if !inWords && len(groups) > 0 {
		if near, err = s.groupNeighbours(ctx, pinID, groups, viewer, after, limit+1); err != nil {
			return nil, nil, err
		}
		if len(near) > limit {
			return near[:limit], page.Next(near[limit-1].ID, false), nil
		}
	}
	wordAfter := bson.NilObjectID
	if inWords {
		wordAfter = after
	}
	need := limit - len(near)
	words, err := s.wordNeighbours(ctx, seq, title, groups, viewer, wordAfter, need+1)
	if err != nil {
		return nil, nil, err
	}
	var next *string
	if len(words) > need {
		// One more than the page needs: the list goes on after the
		// page's last pin, which is a word neighbour unless the group
		// part filled the page exactly.
		words = words[:need]
		if need == 0 {
			next = page.Next(near[limit-1].ID, false)
		} else {
			next = page.Next(words[need-1].ID, true)
		}
	}
	return append(near, words...), next, nil
}

// groupNeighbours returns up to n distinct pins below after (by id,
// newest first) posted or saved into any of groups, other than pin,
// hydrated for viewer: at most n+1 from each index range, merged, and
// only those hydrated. Every pin is reached by its seq, which pins_group
// holds for a posted pin and saves_group_pin_seq for a saved one (schema
// step 11).
func (s *Store) groupNeighbours(ctx context.Context, pin bson.ObjectID, groups []bson.ObjectID, viewer, after bson.ObjectID, n int) ([]store.PinView, error) {
	query, args := groupNeighboursQuery(pin, groups, belowCursor(after), n)
	return queryPins(ctx, s.r, viewer, query, args...)
}

// groupNeighboursQuery is groupNeighbours' query (pinViewCols) and its
// arguments but the viewer's.
func groupNeighboursQuery(pin bson.ObjectID, groups []bson.ObjectID, below []byte, n int) (string, []any) {
	arms := make([]string, 0, 2*len(groups))
	var args []any
	for _, g := range groups {
		// n+1 per range: the pin itself may be among them.
		arms = append(arms,
			`SELECT * FROM (SELECT id AS pin, seq FROM pins WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?)`,
			`SELECT * FROM (SELECT pin_id, pin_seq FROM saves WHERE group_id = ? AND pin_id < ? ORDER BY pin_id DESC LIMIT ?)`)
		args = append(args, g[:], below, n+1, g[:], below, n+1)
	}
	args = append(args, pin[:], n)
	// A pin both posted into one group and saved into another is one
	// row: both arms give its seq.
	return `SELECT ` + pinViewCols + ` FROM (
			SELECT pin, max(seq) AS seq FROM (` + strings.Join(arms, " UNION ALL ") + `)
			WHERE pin <> ? GROUP BY pin ORDER BY pin DESC LIMIT ?) a
		JOIN pins p ON p.seq = a.seq JOIN users u ON u.id = p.author_id
		ORDER BY a.pin DESC`, args
}

// relatedGroupArgs is the length of the lists of groups wordNeighbours
// binds: the pin's own group and store.RelatedGroups more. Padded to it
// with empty blobs (no group's id), a list gives the query one text
// whatever the pin's groups, so the statement cache keeps one plan.
const relatedGroupArgs = 1 + store.RelatedGroups

// wordNeighbours returns up to n pins below after (newest first, by the
// search index's seq) sharing a word of title, other than the pin in row
// seq and the pins in groups (already listed before them), hydrated for
// viewer. The search index streams its matches newest first; each is
// checked against the groups on its own row (the pins saved somewhere,
// the few with saves, in the saves key too) until n are found.
func (s *Store) wordNeighbours(ctx context.Context, seq int64, title string, groups []bson.ObjectID, viewer, after bson.ObjectID, n int) ([]store.PinView, error) {
	words := store.SearchTerms(title)
	if len(words) == 0 || n <= 0 {
		return []store.PinView{}, nil
	}
	for i, w := range words {
		words[i] = `"` + w + `"` // a whole word, not a prefix
	}
	bound, boundArgs := `?`, []any{int64(1) << 62}
	if !after.IsZero() {
		// Below the cursor's pin, or, if it was deleted meanwhile, up to
		// the next older pin (seq follows id).
		bound = `(SELECT seq + (id <> ?) FROM pins WHERE id <= ? ORDER BY id DESC LIMIT 1)`
		boundArgs = []any{after[:], after[:]}
	}
	args := append([]any{strings.Join(words, " OR ")}, boundArgs...)
	args = append(args, seq)
	from, filter := `pin_words w`, ``
	if len(groups) > 0 {
		from = `pin_words w JOIN pins q ON q.seq = w.rowid`
		in := placeholders(relatedGroupArgs)
		gargs := make([]any, relatedGroupArgs)
		for i := range gargs {
			gargs[i] = []byte{}
			if i < len(groups) {
				gargs[i] = groups[i][:]
			}
		}
		filter = ` AND q.group_id NOT IN (` + in + `)
			AND (q.save_count = 0 OR NOT EXISTS (SELECT 1 FROM saves s WHERE s.pin_id = q.id AND s.group_id IN (` + in + `)))`
		args = append(append(args, gargs...), gargs...)
	}
	// The LIMIT is a literal, as in searchPins: bound as a parameter,
	// FTS5 sees it while planning and SQLite prepared the statement again
	// on every run (a tenth of a related page's CPU).
	return queryPins(ctx, s.r, viewer, `SELECT `+pinViewCols+pinViewFrom+`WHERE p.seq IN (
			SELECT w.rowid FROM `+from+`
			WHERE pin_words MATCH ? AND w.rowid < `+bound+` AND w.rowid <> ?`+filter+`
			ORDER BY w.rowid DESC LIMIT `+strconv.Itoa(n)+`)
		ORDER BY p.seq DESC`, args...)
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
