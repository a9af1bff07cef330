package sqlitestore

import (
	"context"
	"database/sql"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

const groupCols = `g.id, g.owner_id, g.title, g.content, g.image_key, g.image_ext, g.image_w, g.image_h,
	g.image_alpha, g.created_at, g.updated_at, g.pin_count`

func scanGroup(row interface{ Scan(...any) error }) (store.GroupView, error) {
	var g store.GroupView
	var created, updated int64
	err := row.Scan(idScan{&g.ID}, idScan{&g.OwnerID}, &g.Title, &g.Content, &g.Image.Key, &g.Image.Ext,
		&g.Image.Width, &g.Image.Height, &g.Image.Alpha, &created, &updated, &g.PinCount)
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

func insertGroup(ctx context.Context, tx *sql.Tx, g store.Group) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pin_groups (id, owner_id, title, content,
		image_key, image_ext, image_w, image_h, image_alpha, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID[:], g.OwnerID[:], g.Title, g.Content, g.Image.Key, g.Image.Ext, g.Image.Width, g.Image.Height,
		g.Image.Alpha, ms(g.CreatedAt), ms(g.UpdatedAt))
	return err
}

// ownGroup returns group id if actor owns it: ErrNotFound when there is no
// such group, ErrForbidden when it is someone else's.
func (s *Store) ownGroup(ctx context.Context, id, actor bson.ObjectID) (store.GroupView, error) {
	g, err := scanGroup(s.r.QueryRowContext(ctx, `SELECT `+groupCols+` FROM pin_groups g WHERE g.id = ?`, id[:]))
	if err != nil {
		return g, err
	}
	if g.OwnerID != actor {
		return g, store.ErrForbidden
	}
	return g, nil
}

// FindGroup returns a group with its pin count; only its owner sees it.
func (s *Store) FindGroup(ctx context.Context, id, viewer bson.ObjectID) (*store.GroupView, error) {
	g, err := s.ownGroup(ctx, id, viewer)
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// FindGroupsByOwner lists owner's groups, newest first, with their pin
// counts.
func (s *Store) FindGroupsByOwner(ctx context.Context, owner bson.ObjectID) ([]store.GroupView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+groupCols+` FROM pin_groups g WHERE g.owner_id = ? ORDER BY g.id DESC`, owner[:])
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

// UpdateGroup applies p to group id if actor owns it.
func (s *Store) UpdateGroup(ctx context.Context, id, actor bson.ObjectID, p store.GroupPatch) (*store.GroupView, error) {
	var g store.GroupView
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupCols+` FROM pin_groups g WHERE g.id = ?`, id[:]))
		if err != nil {
			return err
		}
		if g.OwnerID != actor {
			return store.ErrForbidden
		}
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
		g.UpdatedAt = store.Now()
		_, err = tx.ExecContext(ctx, `UPDATE pin_groups SET title = ?, content = ?, image_key = ?, image_ext = ?,
			image_w = ?, image_h = ?, image_alpha = ?, updated_at = ? WHERE id = ?`,
			g.Title, g.Content, g.Image.Key, g.Image.Ext, g.Image.Width, g.Image.Height, g.Image.Alpha,
			ms(g.UpdatedAt), id[:])
		return err
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteGroup deletes group id with its pins and their cascades, if actor
// owns it, in one transaction, and returns the ids of the pins deleted
// (for pin.deleted events).
func (s *Store) DeleteGroup(ctx context.Context, id, actor bson.ObjectID) ([]bson.ObjectID, error) {
	var pins []bson.ObjectID
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var owner bson.ObjectID
		if err := tx.QueryRowContext(ctx, `SELECT owner_id FROM pin_groups WHERE id = ?`, id[:]).Scan(idScan{&owner}); err != nil {
			return err
		}
		if owner != actor {
			return store.ErrForbidden
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
