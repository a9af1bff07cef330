package sqlitestore

import (
	"context"
	"database/sql"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

const groupCols = `g.id, g.owner_id, g.title, g.content, g.secret, g.image_key, g.image_ext, g.image_w, g.image_h,
	g.image_alpha, g.created_at, g.updated_at, g.pin_count`

func scanGroup(row interface{ Scan(...any) error }) (store.GroupView, error) {
	var g store.GroupView
	var created, updated int64
	err := row.Scan(idScan{&g.ID}, idScan{&g.OwnerID}, &g.Title, &g.Content, &g.Secret, &g.Image.Key,
		&g.Image.Ext, &g.Image.Width, &g.Image.Height, &g.Image.Alpha, &created, &updated, &g.PinCount)
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return g, mapErr(err)
}

// CreateGroup validates and stores a new group of owner.
func (s *Store) CreateGroup(ctx context.Context, owner bson.ObjectID, in store.GroupInput, img store.ImageRef) (*store.GroupView, error) {
	g, err := store.NewGroupRecord(owner, in, img)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error { return insertGroup(ctx, tx, g) })
	if err != nil {
		return nil, err
	}
	return &store.GroupView{Group: g}, nil
}

// insertGroup writes a group with the next seq (the writer is alone, so
// max+1 is free) and, if it is public, its title's words.
func insertGroup(ctx context.Context, tx *sql.Tx, g store.Group) error {
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM pin_groups`).Scan(&seq); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO pin_groups (id, owner_id, title, content, secret,
		image_key, image_ext, image_w, image_h, image_alpha, created_at, updated_at, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID[:], g.OwnerID[:], g.Title, g.Content, g.Secret, g.Image.Key, g.Image.Ext, g.Image.Width, g.Image.Height,
		g.Image.Alpha, ms(g.CreatedAt), ms(g.UpdatedAt), seq)
	if err != nil || g.Secret {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO group_words (rowid, words) VALUES (?, ?)`, seq, groupWords(g.Title))
	return err
}

// groupWords is what the group search index holds for a title.
func groupWords(title string) string { return strings.Join(store.Words(title), " ") }

// visibleGroup returns group id if viewer may see it (public, or their
// own): a secret group of someone else is not found.
func visibleGroup(ctx context.Context, q querier, id, viewer bson.ObjectID) (store.GroupView, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupCols+` FROM pin_groups g WHERE g.id = ?`, id[:]))
	if err == nil && !g.Visible(viewer) {
		err = store.ErrNotFound
	}
	return g, err
}

// ownGroup returns group id if actor owns it: ErrNotFound when there is no
// such group or it is someone else's secret one, ErrForbidden when it is
// someone else's public one.
func ownGroup(ctx context.Context, q querier, id, actor bson.ObjectID) (store.GroupView, error) {
	g, err := visibleGroup(ctx, q, id, actor)
	if err == nil && g.OwnerID != actor {
		err = store.ErrForbidden
	}
	return g, err
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// FindGroup returns a group with its pin count, if viewer may see it.
func (s *Store) FindGroup(ctx context.Context, id, viewer bson.ObjectID) (*store.GroupView, error) {
	g, err := visibleGroup(ctx, s.r, id, viewer)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// FindGroupsByOwner lists owner's groups, newest first, with their pin
// counts.
func (s *Store) FindGroupsByOwner(ctx context.Context, owner bson.ObjectID) ([]store.GroupView, error) {
	return s.queryGroups(ctx, `SELECT `+groupListCols+` FROM pin_groups g WHERE g.owner_id = ? ORDER BY g.id DESC`, owner[:])
}

// FindGroupChoices implements store.Groups: one range of groups_owner,
// without the counts and previews of FindGroupsByOwner.
func (s *Store) FindGroupChoices(ctx context.Context, owner bson.ObjectID) ([]store.Group, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, title, secret FROM pin_groups WHERE owner_id = ? ORDER BY id DESC`, owner[:])
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.Group{}
	for rows.Next() {
		g := store.Group{OwnerID: owner}
		if err := rows.Scan(idScan{&g.ID}, &g.Title, &g.Secret); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, g)
	}
	return out, mapErr(rows.Err())
}

// UpdateGroup applies p to group id if actor owns it.
func (s *Store) UpdateGroup(ctx context.Context, id, actor bson.ObjectID, p store.GroupPatch) (*store.GroupView, error) {
	var g store.GroupView
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = ownGroup(ctx, tx, id, actor)
		if err != nil {
			return err
		}
		old := g.Group
		f := store.Fields{}
		tp := store.CheckPatch(f, p.Title, p.Content, p.Image)
		if err := f.Err(); err != nil {
			return err
		}
		if tp.Title != nil {
			g.Title = *tp.Title
		}
		if tp.Content != nil {
			g.Content = *tp.Content
		}
		if tp.Image != nil {
			g.Image = *tp.Image
		}
		if p.Secret != nil {
			g.Secret = *p.Secret
		}
		g.UpdatedAt = store.Now()
		_, err = tx.ExecContext(ctx, `UPDATE pin_groups SET title = ?, content = ?, secret = ?, image_key = ?, image_ext = ?,
			image_w = ?, image_h = ?, image_alpha = ?, updated_at = ? WHERE id = ?`,
			g.Title, g.Content, g.Secret, g.Image.Key, g.Image.Ext, g.Image.Width, g.Image.Height, g.Image.Alpha,
			ms(g.UpdatedAt), id[:])
		if err != nil || (old.Title == g.Title && old.Secret == g.Secret) {
			return err
		}
		// The search index holds public titles only.
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_words WHERE rowid = (SELECT seq FROM pin_groups WHERE id = ?)`, id[:]); err != nil {
			return err
		}
		if g.Secret {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO group_words (rowid, words) SELECT seq, ? FROM pin_groups WHERE id = ?`,
			groupWords(g.Title), id[:])
		return err
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteGroup deletes group id with its pins and their cascades (and the
// saves into it: other people's pins stay), if actor owns it, in one
// transaction, and returns the ids of the pins deleted
// (for pin.deleted events).
func (s *Store) DeleteGroup(ctx context.Context, id, actor bson.ObjectID) ([]bson.ObjectID, error) {
	var pins []bson.ObjectID
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := ownGroup(ctx, tx, id, actor); err != nil {
			return err
		}
		var err error
		if pins, err = collectIDs(ctx, tx, `SELECT id FROM pins WHERE group_id = ?`, id[:]); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM pin_groups WHERE id = ?`, id[:])
		return err
	})
	return pins, err
}

// collectIDs returns the ids a one-column query yields.
func collectIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]bson.ObjectID, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bson.ObjectID
	for rows.Next() {
		var id bson.ObjectID
		if err := rows.Scan(idScan{&id}); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// groupSavesPage is a page of a group's saves below a cursor, newest
// first, with each pin's seq, read from saves_group_pages alone (schema
// step 9).
const groupSavesPage = `SELECT id, pin_seq FROM saves WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?`

// FindGroupPins lists the pins posted or saved into group id, newest
// addition first, if viewer may see the group. The additions are a merge
// of two covering index ranges (posted pins by id, saves by id; both ids
// are creation order), at most a page and a row from each, hydrated in
// the same query; the cursor is the last addition's id. Every pin is
// reached by its seq, which pins_group holds for a posted pin and the save
// for a saved one.
// The query checks that viewer may see the group itself, so only an empty
// page asks why it is empty.
func (s *Store) FindGroupPins(ctx context.Context, id, viewer bson.ObjectID, p store.Page) ([]store.PinView, *string, error) {
	sc := s.listScope("group:" + id.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	below := belowCursor(after)
	pins, next, err := queryKeyedPage(ctx, s.r, viewer, sc, limit, `SELECT `+pinViewCols+`, a.k FROM (SELECT k, seq FROM (
			SELECT * FROM (SELECT id AS k, seq FROM pins WHERE group_id = ? AND id < ? ORDER BY id DESC LIMIT ?)
			UNION ALL
			SELECT * FROM (`+groupSavesPage+`)
		) ORDER BY k DESC LIMIT ?) a
		JOIN pins p ON p.seq = a.seq JOIN users u ON u.id = p.author_id
		WHERE EXISTS (SELECT 1 FROM pin_groups WHERE id = ? AND (secret = 0 OR owner_id = ?))
		ORDER BY a.k DESC`, id[:], below, limit+1, id[:], below, limit+1, limit+1, id[:], viewer[:])
	if err != nil {
		return nil, nil, err
	}
	if len(pins) == 0 {
		if _, err := visibleGroup(ctx, s.r, id, viewer); err != nil {
			return nil, nil, err
		}
		return pins, nil, nil
	}
	return pins, next, nil
}
