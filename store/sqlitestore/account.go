package sqlitestore

import (
	"context"
	"database/sql"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// DeleteUser removes an account and everything it owns after checking its
// password, in one transaction (foreign keys cascade; triggers correct
// every count the deleted rows made elsewhere). It returns what others may
// be watching: the user's pins, their comments on other people's pins and
// the users they followed.
func (s *Store) DeleteUser(ctx context.Context, id bson.ObjectID, password string) (store.DeletedAccount, error) {
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return store.DeletedAccount{}, err
	}
	if !store.PasswordMatches(u.PasswordHash, password) {
		return store.DeletedAccount{}, store.FieldError("password", store.Reason{Code: store.ReasonWrongPassword})
	}
	var del store.DeletedAccount
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if del.PinIDs, err = collectIDs(ctx, tx, `SELECT id FROM pins WHERE author_id = ?`, id[:]); err != nil {
			return err
		}
		if del.Followees, err = collectIDs(ctx, tx, `SELECT followee_id FROM follows WHERE follower_id = ?`, id[:]); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.id, c.pin_id FROM comments c JOIN pins p ON p.id = c.pin_id
			WHERE c.author_id = ? AND p.author_id <> ?`, id[:], id[:])
		if err != nil {
			return err
		}
		for rows.Next() {
			var c store.DeletedComment
			if err := rows.Scan(idScan{&c.ID}, idScan{&c.PinID}); err != nil {
				rows.Close()
				return err
			}
			del.Comments = append(del.Comments, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id[:])
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return store.DeletedAccount{}, err
	}
	return del, nil
}
