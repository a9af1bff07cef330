package sqlitestore

import (
	"context"
	"database/sql"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// SetLike makes user like (on) or unlike pin, idempotently: Changed
// reports whether this call changed anything, and only then is Revision
// set. The pin is returned so that the caller can notify its author.
func (s *Store) SetLike(ctx context.Context, pin, user bson.ObjectID, on bool) (store.LikeResult, error) {
	r, err := s.setReaction(ctx, "likes", "like_count, like_rev", "like", pin, user, on)
	if err != nil {
		return store.LikeResult{}, err
	}
	st := store.LikeState{Liked: on, LikeCount: r.count}
	if r.changed {
		st.Revision = r.rev
	}
	return store.LikeResult{State: st, Changed: r.changed, Pin: r.pin}, nil
}

// SetBookmark makes user bookmark (on) or unbookmark pin, like SetLike.
func (s *Store) SetBookmark(ctx context.Context, pin, user bson.ObjectID, on bool) (store.BookmarkResult, error) {
	r, err := s.setReaction(ctx, "bookmarks", "bookmark_count, 0", "bookmark", pin, user, on)
	if err != nil {
		return store.BookmarkResult{}, err
	}
	st := store.BookmarkState{Bookmarked: on, BookmarkCount: r.count}
	return store.BookmarkResult{State: st, Changed: r.changed, Pin: r.pin}, nil
}

// reactionResult is what setReaction did: the pin's count and revision after
// it, whether it changed anything, and the pin.
type reactionResult struct {
	count, rev int64
	changed    bool
	pin        *store.Pin
}

// setReaction inserts or deletes user's row for pin in table (likes or
// bookmarks) and reads back the pin's count and revision (counts, two
// columns of pins) in the same transaction.
func (s *Store) setReaction(ctx context.Context, table, counts, verb string, pinID, user bson.ObjectID, on bool) (reactionResult, error) {
	var r reactionResult
	err := s.tx(ctx, func(tx *sql.Tx) error {
		p, err := loadPin(ctx, tx, pinID)
		if err != nil {
			return err
		}
		if p.AuthorID == user {
			return store.Errorf(store.EInvalid, "You cannot %s your own pin.", verb)
		}
		var res sql.Result
		if on {
			id := bson.NewObjectID()
			res, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (id, pin_id, user_id, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, pin_id) DO NOTHING`, id[:], pinID[:], user[:], ms(store.Now()))
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = ? AND pin_id = ?`, user[:], pinID[:])
		}
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		r.changed = k > 0
		r.pin = &p
		return tx.QueryRowContext(ctx, `SELECT `+counts+` FROM pins WHERE id = ?`, pinID[:]).Scan(&r.count, &r.rev)
	})
	if err != nil {
		return reactionResult{}, err
	}
	return r, nil
}

// loadPin reads pin id inside tx.
func loadPin(ctx context.Context, tx *sql.Tx, id bson.ObjectID) (store.Pin, error) {
	var p store.Pin
	var created, updated int64
	err := tx.QueryRowContext(ctx, `SELECT id, author_id, group_id, title, content, image_key, image_ext,
			image_w, image_h, image_alpha, created_at, updated_at FROM pins WHERE id = ?`, id[:]).
		Scan(idScan{&p.ID}, idScan{&p.AuthorID}, idScan{&p.GroupID}, &p.Title, &p.Content, &p.Image.Key,
			&p.Image.Ext, &p.Image.Width, &p.Image.Height, &p.Image.Alpha, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, mapErr(err)
}
