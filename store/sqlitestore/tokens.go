package sqlitestore

import (
	"context"
	"database/sql"
	"time"
)

// RevokeToken records that token jti must be refused until until.
func (s *Store) RevokeToken(ctx context.Context, jti string, until time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO revocations (jti, until) VALUES (?, ?)
			ON CONFLICT (jti) DO UPDATE SET until = excluded.until`, jti, ms(until))
		return err
	})
}

// RevokedTokens returns every revocation still in force, after dropping
// the expired ones. It is read once at start-up.
func (s *Store) RevokedTokens(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM revocations WHERE until <= ?`, ms(time.Now())); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT jti, until FROM revocations`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var jti string
			var until int64
			if err := rows.Scan(&jti, &until); err != nil {
				return err
			}
			out[jti] = fromMS(until)
		}
		return rows.Err()
	})
	return out, err
}
