package sqlitestore

import (
	"context"
	"database/sql"
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
			return store.ErrAlreadyInGroup
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
	where, args := `g.owner_id = ?`, []any{owner[:]}
	if owner != viewer {
		where += ` AND g.secret = 0`
	}
	if !after.IsZero() {
		where += ` AND g.id < ?`
		args = append(args, after[:])
	}
	groups, err := s.queryGroups(ctx, `SELECT `+groupListCols+` FROM pin_groups g WHERE `+where+
		` ORDER BY g.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, nil, err
	}
	groups, next := store.NextCursor(sc, groups, limit, func(g store.GroupView) bson.ObjectID { return g.ID })
	return groups, next, nil
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
	groups, err := s.queryGroups(ctx, `SELECT `+groupListCols+` FROM pin_groups g
		WHERE g.seq IN (SELECT rowid FROM group_words WHERE group_words MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?)
		AND g.secret = 0 ORDER BY g.seq DESC`, strings.Join(terms, " AND "), bound, limit+1)
	if err != nil {
		return nil, nil, err
	}
	groups, next := store.NextCursor(sc, groups, limit, func(g store.GroupView) bson.ObjectID { return g.ID })
	return groups, next, nil
}

// groupListCols are a group's columns and its previews (schema step 4),
// packed into one value (packed.go) for lists of groups: a profile page
// spent 13 % of its CPU reading its groups column by column.
var groupListCols = packed(packID("g.id"), packID("g.owner_id"), packStr("g.title"), packStr("g.content"),
	packInt("g.secret"), packImage("g.image"), packInt("g.created_at"), packInt("g.updated_at"),
	packInt("g.pin_count"), "g.previews")

// queryGroups runs a query selecting groupListCols.
func (s *Store) queryGroups(ctx context.Context, query string, args ...any) ([]store.GroupView, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.GroupView{}
	var raw string
	for rows.Next() {
		if err := rows.Scan(&raw); err != nil {
			return nil, mapErr(err)
		}
		g, err := unpackGroupView(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, mapErr(rows.Err())
}

// unpackGroupView reads a row of groupListCols.
func unpackGroupView(raw string) (store.GroupView, error) {
	p := unpacker{s: raw}
	var g store.GroupView
	g.ID, g.OwnerID, g.Title, g.Content, g.Secret, g.Image = p.id(), p.id(), p.str(), p.str(), p.bool(), p.image()
	g.CreatedAt, g.UpdatedAt, g.PinCount = fromMS(p.int()), fromMS(p.int()), p.int()
	previews := p.rest()
	if err := p.done(); err != nil {
		return g, err
	}
	var err error
	g.Previews, err = parsePreviews(previews)
	return g, err
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
