package sqlitestore

import (
	"context"
	"database/sql"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

var errSelfFollow = &store.Error{Code: store.EInvalid, Message: "You cannot follow yourself."}

// userExists fails with ErrNotFound unless user id exists.
func userExists(ctx context.Context, tx *sql.Tx, id bson.ObjectID) error {
	var one int
	return tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, id[:]).Scan(&one)
}

// followerState reads the followee's follower count and revision.
func followerState(ctx context.Context, tx *sql.Tx, followee bson.ObjectID) (n, rev int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT follower_count, follower_rev FROM users WHERE id = ?`, followee[:]).Scan(&n, &rev)
	return n, rev, err
}

// Follow makes follower follow followee (idempotent: the unique pair makes
// a second follow a no-op). created reports whether this call made the
// follow; only then is Revision set.
func (s *Store) Follow(ctx context.Context, follower, followee bson.ObjectID) (store.FollowState, bool, error) {
	if follower == followee {
		return store.FollowState{}, false, errSelfFollow
	}
	st := store.FollowState{Following: true}
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := userExists(ctx, tx, followee); err != nil {
			return err
		}
		id := bson.NewObjectID()
		res, err := tx.ExecContext(ctx, `INSERT INTO follows (id, follower_id, followee_id, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (follower_id, followee_id) DO NOTHING`,
			id[:], follower[:], followee[:], ms(store.Now()))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n > 0
		var rev int64
		st.FollowerCount, rev, err = followerState(ctx, tx, followee)
		if created {
			st.Revision = rev
		}
		return err
	})
	if err != nil {
		return store.FollowState{}, false, err
	}
	return st, created, nil
}

// Unfollow ends a follow if there is one (idempotent). The caller always
// publishes the count, so the revision is bumped even when nothing
// changed, and returned.
func (s *Store) Unfollow(ctx context.Context, follower, followee bson.ObjectID) (store.FollowState, error) {
	if follower == followee {
		return store.FollowState{}, errSelfFollow
	}
	var st store.FollowState
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := userExists(ctx, tx, followee); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM follows WHERE follower_id = ? AND followee_id = ?`, follower[:], followee[:])
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET follower_rev = follower_rev + 1 WHERE id = ?`, followee[:]); err != nil {
				return err
			}
		}
		st.FollowerCount, st.Revision, err = followerState(ctx, tx, followee)
		return err
	})
	return st, err
}

// FindFollowers lists the users following id, most recent follow first.
func (s *Store) FindFollowers(ctx context.Context, id bson.ObjectID, p store.Page) ([]store.Card, *string, error) {
	return s.followCards(ctx, s.listScope("followers:"+id.Hex()), id, "followee_id", "follower_id", p)
}

// FindFollowing lists the users id follows, most recent follow first.
func (s *Store) FindFollowing(ctx context.Context, id bson.ObjectID, p store.Page) ([]store.Card, *string, error) {
	return s.followCards(ctx, s.listScope("following:"+id.Hex()), id, "follower_id", "followee_id", p)
}

// followCards pages over follows whose column by is id and returns the
// cards of the other side, one query per page.
func (s *Store) followCards(ctx context.Context, sc store.ListScope, id bson.ObjectID, by, other string, p store.Page) ([]store.Card, *string, error) {
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, id[:]).Scan(&one); err != nil {
		return nil, nil, mapErr(err)
	}
	where, args := `f.`+by+` = ?`, []any{id[:]}
	if !after.IsZero() {
		where += ` AND f.id < ?`
		args = append(args, after[:])
	}
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, u.id, u.nickname, u.avatar_key, u.avatar_ext, u.avatar_w,
			u.avatar_h, u.avatar_alpha
		FROM follows f JOIN users u ON u.id = f.`+other+`
		WHERE `+where+` ORDER BY f.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	defer rows.Close()
	type row struct {
		follow bson.ObjectID
		card   store.Card
	}
	var list []row
	for rows.Next() {
		var r row
		c := &r.card
		if err := rows.Scan(idScan{&r.follow}, idScan{&c.ID}, &c.Nickname, &c.Avatar.Key, &c.Avatar.Ext,
			&c.Avatar.Width, &c.Avatar.Height, &c.Avatar.Alpha); err != nil {
			return nil, nil, err
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, mapErr(err)
	}
	list, next := store.NextCursor(sc, list, limit, func(r row) bson.ObjectID { return r.follow })
	out := make([]store.Card, len(list))
	for i, r := range list {
		out[i] = r.card
	}
	return out, next, nil
}

// FollowerCounts returns the follower count of each of ids (every id gets
// an entry).
func (s *Store) FollowerCounts(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]int64, error) {
	out := make(map[bson.ObjectID]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	for _, id := range ids {
		out[id] = 0
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, follower_count FROM users WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id bson.ObjectID
		var n int64
		if err := rows.Scan(idScan{&id}, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, mapErr(rows.Err())
}
