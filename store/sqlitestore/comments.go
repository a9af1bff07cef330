package sqlitestore

import (
	"context"
	"database/sql"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// CreateComment adds author's comment to pin and returns it with the pin,
// so that the caller can notify the pin's author and publish the comment
// without reading anything again.
func (s *Store) CreateComment(ctx context.Context, pin, author bson.ObjectID, content string) (*store.CommentView, *store.Pin, error) {
	content, err := store.ValidateComment(content)
	if err != nil {
		return nil, nil, err
	}
	c := store.Comment{ID: bson.NewObjectID(), PinID: pin, AuthorID: author, Content: content, CreatedAt: store.Now()}
	var view store.CommentView
	var p store.Pin
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = loadPin(ctx, tx, pin); err != nil {
			return err
		}
		a := &view.Author
		if err := tx.QueryRowContext(ctx, `SELECT id, nickname, avatar_key, avatar_ext, avatar_w, avatar_h, avatar_alpha
			FROM users WHERE id = ?`, author[:]).Scan(idScan{&a.ID}, &a.Nickname, &a.Avatar.Key, &a.Avatar.Ext,
			&a.Avatar.Width, &a.Avatar.Height, &a.Avatar.Alpha); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO comments (id, pin_id, author_id, content, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID[:], pin[:], author[:], c.Content, ms(c.CreatedAt))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	view.Comment = c
	return &view, &p, nil
}

// commentsPage selects a page of a pin's comments with their authors'
// cards; FindComments adds the cursor and the limit.
const commentsPage = `SELECT c.id, c.author_id, c.content, c.created_at,
		u.nickname, u.avatar_key, u.avatar_ext, u.avatar_w, u.avatar_h, u.avatar_alpha
	FROM comments c JOIN users u ON u.id = c.author_id
	WHERE c.pin_id = ?`

// FindComments lists the comments of pin, oldest first, with their
// authors' cards, one query per page.
func (s *Store) FindComments(ctx context.Context, pin bson.ObjectID, p store.Page) ([]store.CommentView, *string, error) {
	sc := s.listScope("comments:" + pin.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	// One range of the table's key (pin_id, id), from the zero id on the
	// first page.
	rows, err := s.r.QueryContext(ctx, commentsPage+` AND c.id > ? ORDER BY c.id LIMIT ?`, pin[:], after[:], limit+1)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.CommentView{}
	for rows.Next() {
		var v store.CommentView
		var created int64
		a := &v.Author
		if err := rows.Scan(idScan{&v.ID}, idScan{&v.AuthorID}, &v.Content, &created,
			&a.Nickname, &a.Avatar.Key, &a.Avatar.Ext, &a.Avatar.Width, &a.Avatar.Height, &a.Avatar.Alpha); err != nil {
			return nil, nil, err
		}
		v.PinID, v.CreatedAt, a.ID = pin, fromMS(created), v.AuthorID
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, mapErr(err)
	}
	if len(out) == 0 {
		// Only an empty page asks whether the pin exists: the comments
		// of an unknown pin are not found, not empty.
		var one int
		if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM pins WHERE id = ?`, pin[:]).Scan(&one); err != nil {
			return nil, nil, mapErr(err)
		}
	}
	out, next := store.NextCursor(sc, out, limit, func(v store.CommentView) bson.ObjectID { return v.ID })
	return out, next, nil
}

// DeleteComment deletes comment id if actor wrote it, and returns it so
// that the caller can tell the pin's watchers.
func (s *Store) DeleteComment(ctx context.Context, id, actor bson.ObjectID) (*store.Comment, error) {
	var c store.Comment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var created int64
		if err := tx.QueryRowContext(ctx, `SELECT id, pin_id, author_id, content, created_at FROM comments WHERE id = ?`, id[:]).
			Scan(idScan{&c.ID}, idScan{&c.PinID}, idScan{&c.AuthorID}, &c.Content, &created); err != nil {
			return err
		}
		c.CreatedAt = fromMS(created)
		if c.AuthorID != actor {
			return store.ErrForbidden
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM comments WHERE id = ?`, id[:])
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}
