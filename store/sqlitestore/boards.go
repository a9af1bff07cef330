package sqlitestore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// SetSave saves (on) or unsaves pin into group for user, who must own the
// group; the counts move with the row (triggers saves_ai/saves_ad).
func (s *Store) SetSave(ctx context.Context, pinID, groupID, user bson.ObjectID, on bool) (store.SaveResult, error) {
	st := store.SaveState{Saved: on, GroupID: groupID}
	var changed bool
	var pin store.Pin
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if pin, err = loadPin(ctx, tx, pinID); err != nil {
			return err
		}
		if _, err := ownGroup(ctx, tx, groupID, user); err != nil {
			return err
		}
		var res sql.Result
		switch {
		case pin.GroupID == groupID && on:
			return store.Errorf(store.EInvalid, "This pin is already in that group.")
		case on:
			id := bson.NewObjectID()
			res, err = tx.ExecContext(ctx, `INSERT INTO saves (id, pin_id, group_id, user_id, created_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (pin_id, group_id) DO NOTHING`,
				id[:], pinID[:], groupID[:], user[:], ms(store.Now()))
		default:
			res, err = tx.ExecContext(ctx, `DELETE FROM saves WHERE pin_id = ? AND group_id = ?`, pinID[:], groupID[:])
		}
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		changed = k > 0
		return tx.QueryRowContext(ctx, `SELECT save_count FROM pins WHERE id = ?`, pinID[:]).Scan(&st.SaveCount)
	})
	if err != nil {
		return store.SaveResult{}, err
	}
	return store.SaveResult{State: st, Changed: changed, Pin: &pin}, nil
}

// FindUserGroups lists owner's groups newest first (the public ones
// unless viewer is owner), each with its pin count and previews.
func (s *Store) FindUserGroups(ctx context.Context, owner, viewer bson.ObjectID, p store.Page) ([]store.GroupView, *string, error) {
	sc := s.listScope("groups:" + owner.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	where, args := `g.owner_id = ?`, []any{owner[:]}
	if owner != viewer {
		where += ` AND g.secret = 0`
	}
	if !after.IsZero() {
		where += ` AND g.id < ?`
		args = append(args, after[:])
	}
	groups, err := s.queryGroups(ctx, `SELECT `+groupCols+` FROM pin_groups g WHERE `+where+
		` ORDER BY g.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, nil, err
	}
	groups, next := store.NextCursor(sc, groups, limit, func(g store.GroupView) bson.ObjectID { return g.ID })
	return groups, next, s.addPreviews(ctx, groups)
}

// SearchGroups serves a search of public groups' titles from the
// group_words index, newest first (by seq, creation order); a cursor's
// group is turned back into its seq, like searchPins does.
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
	for i, t := range terms {
		terms[i] = `"` + t + `"*`
	}
	bound := int64(1) << 62
	if !after.IsZero() {
		var seq int64
		err := s.r.QueryRowContext(ctx, `SELECT seq FROM pin_groups WHERE id = ?`, after[:]).Scan(&seq)
		if err != nil {
			if mapErr(err) == store.ErrNotFound {
				// Its group was deleted meanwhile: the list ends.
				return []store.GroupView{}, nil, nil
			}
			return nil, nil, mapErr(err)
		}
		bound = seq
	}
	groups, err := s.queryGroups(ctx, `SELECT `+groupCols+` FROM pin_groups g
		WHERE g.seq IN (SELECT rowid FROM group_words WHERE group_words MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?)
		AND g.secret = 0 ORDER BY g.seq DESC`, strings.Join(terms, " AND "), bound, limit+1)
	if err != nil {
		return nil, nil, err
	}
	groups, next := store.NextCursor(sc, groups, limit, func(g store.GroupView) bson.ObjectID { return g.ID })
	return groups, next, s.addPreviews(ctx, groups)
}

// queryGroups runs a query selecting groupCols.
func (s *Store) queryGroups(ctx context.Context, query string, args ...any) ([]store.GroupView, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.GroupView{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, mapErr(rows.Err())
}

// previewChunk bounds the groups of one preview query (SQLite allows 500
// arms in a compound SELECT); a page has at most store.MaxLimit.
const previewChunk = 100

// addPreviews sets each group's Previews: the images of its newest
// additions (posted or saved), store.PreviewPins at most, with one query
// per page of groups — a union of two bounded index ranges per group.
func (s *Store) addPreviews(ctx context.Context, groups []store.GroupView) error {
	for start := 0; start < len(groups); start += previewChunk {
		chunk := groups[start:min(start+previewChunk, len(groups))]
		arms := make([]string, len(chunk))
		args := make([]any, 0, 2*len(chunk))
		// The integers are literals: bound as parameters, they made SQLite
		// prepare the statement again on every run (its plan depends on
		// them), which cost more than running it.
		for i, g := range chunk {
			arms[i] = strings.NewReplacer("$i", strconv.Itoa(i), "$n", strconv.Itoa(store.PreviewPins)).Replace(
				`SELECT * FROM (SELECT $i AS g, k, pin FROM (
				SELECT * FROM (SELECT id AS k, id AS pin FROM pins WHERE group_id = ? ORDER BY id DESC LIMIT $n)
				UNION ALL
				SELECT * FROM (SELECT id, pin_id FROM saves WHERE group_id = ? ORDER BY id DESC LIMIT $n)
			) ORDER BY k DESC LIMIT $n)`)
			args = append(args, g.ID[:], g.ID[:])
		}
		rows, err := s.r.QueryContext(ctx, `SELECT x.g, p.image_key, p.image_ext, p.image_w, p.image_h, p.image_alpha
			FROM (`+strings.Join(arms, " UNION ALL ")+`) x JOIN pins p ON p.id = x.pin ORDER BY x.g, x.k DESC`, args...)
		if err != nil {
			return mapErr(err)
		}
		for rows.Next() {
			var i int
			var img store.ImageRef
			if err := rows.Scan(&i, &img.Key, &img.Ext, &img.Width, &img.Height, &img.Alpha); err != nil {
				rows.Close()
				return err
			}
			chunk[i].Previews = append(chunk[i].Previews, img)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
	}
	for i := range groups {
		if groups[i].Previews == nil {
			groups[i].Previews = []store.ImageRef{}
		}
	}
	return nil
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
	from, op := key, ">="
	if !after.IsZero() {
		err := s.r.QueryRowContext(ctx, `SELECT nickname_key FROM users WHERE id = ?`, after[:]).Scan(&from)
		if err != nil {
			if mapErr(err) == store.ErrNotFound {
				return []store.Card{}, nil, nil // that user left meanwhile: the list ends
			}
			return nil, nil, mapErr(err)
		}
		op = ">"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, nickname, avatar_key, avatar_ext, avatar_w, avatar_h, avatar_alpha
		FROM users WHERE nickname_key `+op+` ? AND nickname_key < ? ORDER BY nickname_key LIMIT ?`,
		from, key+"\U0010FFFF", limit+1)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	defer rows.Close()
	cards := []store.Card{}
	for rows.Next() {
		var c store.Card
		if err := rows.Scan(idScan{&c.ID}, &c.Nickname, &c.Avatar.Key, &c.Avatar.Ext, &c.Avatar.Width,
			&c.Avatar.Height, &c.Avatar.Alpha); err != nil {
			return nil, nil, err
		}
		cards = append(cards, c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, mapErr(err)
	}
	cards, next := store.NextCursor(sc, cards, limit, func(c store.Card) bson.ObjectID { return c.ID })
	return cards, next, nil
}
