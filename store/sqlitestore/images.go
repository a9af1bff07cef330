package sqlitestore

import (
	"context"
	"database/sql"
	"time"

	"mypinterest/store"
)

// Images are rows: one file holds everything, so a copy of DATA_DIR is a
// whole backup. Names are derived from the content, so a name already
// stored holds the same bytes and a second put is a no-op.

// PutImage stores files, skipping those already there.
func (s *Store) PutImage(ctx context.Context, files []store.ImageFile) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return insertImages(ctx, tx, files) })
}

func insertImages(ctx context.Context, tx *sql.Tx, files []store.ImageFile) error {
	now := ms(time.Now())
	for _, f := range files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO images (name, content_type, data, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, f.Name, f.ContentType, f.Data, now); err != nil {
			return err
		}
	}
	return nil
}

// OpenImage returns the file stored under name, or ErrNotFound.
func (s *Store) OpenImage(ctx context.Context, name string) (*store.ImageFile, error) {
	f := &store.ImageFile{Name: name}
	err := s.r.QueryRowContext(ctx, `SELECT content_type, data FROM images WHERE name = ?`, name).Scan(&f.ContentType, &f.Data)
	if err != nil {
		return nil, mapErr(err)
	}
	return f, nil
}
