package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// tables names the table of each kind of record.
var tables = map[store.Kind]string{
	store.KindImages: "images", store.KindUsers: "users", store.KindGroups: "pin_groups",
	store.KindPins: "pins", store.KindFollows: "follows", store.KindComments: "comments",
	store.KindLikes: "likes", store.KindBookmarks: "bookmarks", store.KindSaves: "saves",
	store.KindNotifications: "notifications",
}

// Count returns how many records of kind the store holds.
func (s *Store) Count(ctx context.Context, kind store.Kind) (int64, error) {
	t, ok := tables[kind]
	if !ok {
		return 0, fmt.Errorf("sqlitestore: unknown kind %q", kind)
	}
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n)
	return n, mapErr(err)
}

// Export returns up to limit records of kind after the key after, in key
// order.
func (s *Store) Export(ctx context.Context, kind store.Kind, after string, limit int) (store.Batch, error) {
	b := store.Batch{Kind: kind}
	if kind == store.KindImages {
		rows, err := s.r.QueryContext(ctx, `SELECT name, content_type, data FROM images WHERE name > ? ORDER BY name LIMIT ?`, after, limit)
		if err != nil {
			return b, mapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var f store.ImageFile
			if err := rows.Scan(&f.Name, &f.ContentType, &f.Data); err != nil {
				return b, err
			}
			b.Images = append(b.Images, f)
			b.Next = f.Name
		}
		return b, mapErr(rows.Err())
	}
	var from []byte
	if after != "" {
		var err error
		if from, err = hex.DecodeString(after); err != nil || len(from) != len(bson.ObjectID{}) {
			return b, fmt.Errorf("sqlitestore: export after %q: not an id", after)
		}
	}
	q, ok := exportQueries[kind]
	if !ok {
		return b, fmt.Errorf("sqlitestore: unknown kind %q", kind)
	}
	where, args := ``, []any{limit}
	if from != nil {
		where, args = ` WHERE id > ?`, []any{from, limit}
	}
	rows, err := s.r.QueryContext(ctx, q+where+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return b, mapErr(err)
	}
	defer rows.Close()
	var last bson.ObjectID
	for rows.Next() {
		if last, err = scanExport(rows, &b); err != nil {
			return b, err
		}
	}
	if err := rows.Err(); err != nil {
		return b, mapErr(err)
	}
	if b.Len() > 0 {
		b.Next = last.Hex()
	}
	return b, nil
}

// exportQueries select whole records of each kind (a u./g./p. alias is
// not needed: one table each).
var exportQueries = map[store.Kind]string{
	store.KindUsers: `SELECT id, email, nickname, nickname_key, password_hash, avatar_key, avatar_ext,
		avatar_w, avatar_h, avatar_alpha, message, created_at FROM users`,
	store.KindGroups: `SELECT id, owner_id, title, content, secret, image_key, image_ext, image_w, image_h,
		image_alpha, created_at, updated_at FROM pin_groups`,
	store.KindPins: `SELECT id, author_id, group_id, title, content, image_key, image_ext, image_w, image_h,
		image_alpha, created_at, updated_at FROM pins`,
	store.KindFollows:       `SELECT id, follower_id, followee_id, created_at FROM follows`,
	store.KindComments:      `SELECT id, pin_id, author_id, content, created_at FROM comments`,
	store.KindLikes:         `SELECT id, pin_id, user_id, created_at FROM likes`,
	store.KindBookmarks:     `SELECT id, pin_id, user_id, created_at FROM bookmarks`,
	store.KindSaves:         `SELECT id, pin_id, group_id, user_id, created_at FROM saves`,
	store.KindNotifications: `SELECT id, recipient_id, kind, actor_id, pin_id, read, created_at FROM notifications`,
}

// scanExport appends one row of b.Kind to b and returns its id.
func scanExport(rows *sql.Rows, b *store.Batch) (bson.ObjectID, error) {
	var created, updated int64
	switch b.Kind {
	case store.KindUsers:
		var u store.User
		err := rows.Scan(idScan{&u.ID}, &u.Email, &u.Nickname, &u.NicknameKey, &u.PasswordHash, &u.Avatar.Key,
			&u.Avatar.Ext, &u.Avatar.Width, &u.Avatar.Height, &u.Avatar.Alpha, &u.Message, &created)
		u.CreatedAt = fromMS(created)
		b.Users = append(b.Users, u)
		return u.ID, err
	case store.KindGroups:
		var g store.Group
		err := rows.Scan(idScan{&g.ID}, idScan{&g.OwnerID}, &g.Title, &g.Content, &g.Secret, &g.Image.Key, &g.Image.Ext,
			&g.Image.Width, &g.Image.Height, &g.Image.Alpha, &created, &updated)
		g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
		b.Groups = append(b.Groups, g)
		return g.ID, err
	case store.KindPins:
		var p store.Pin
		err := rows.Scan(idScan{&p.ID}, idScan{&p.AuthorID}, idScan{&p.GroupID}, &p.Title, &p.Content,
			&p.Image.Key, &p.Image.Ext, &p.Image.Width, &p.Image.Height, &p.Image.Alpha, &created, &updated)
		p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
		b.Pins = append(b.Pins, p)
		return p.ID, err
	case store.KindFollows:
		var f store.FollowEdge
		err := rows.Scan(idScan{&f.ID}, idScan{&f.FollowerID}, idScan{&f.FolloweeID}, &created)
		f.CreatedAt = fromMS(created)
		b.Follows = append(b.Follows, f)
		return f.ID, err
	case store.KindComments:
		var c store.Comment
		err := rows.Scan(idScan{&c.ID}, idScan{&c.PinID}, idScan{&c.AuthorID}, &c.Content, &created)
		c.CreatedAt = fromMS(created)
		b.Comments = append(b.Comments, c)
		return c.ID, err
	case store.KindLikes, store.KindBookmarks:
		var r store.Reaction
		err := rows.Scan(idScan{&r.ID}, idScan{&r.PinID}, idScan{&r.UserID}, &created)
		r.CreatedAt = fromMS(created)
		if b.Kind == store.KindLikes {
			b.Likes = append(b.Likes, r)
		} else {
			b.Bookmarks = append(b.Bookmarks, r)
		}
		return r.ID, err
	case store.KindSaves:
		var v store.Save
		err := rows.Scan(idScan{&v.ID}, idScan{&v.PinID}, idScan{&v.GroupID}, idScan{&v.UserID}, &created)
		v.CreatedAt = fromMS(created)
		b.Saves = append(b.Saves, v)
		return v.ID, err
	case store.KindNotifications:
		var n store.Notification
		err := rows.Scan(idScan{&n.ID}, idScan{&n.RecipientID}, &n.Kind, idScan{&n.ActorID}, nullIDScan{&n.PinID},
			&n.Read, &created)
		n.CreatedAt = fromMS(created)
		b.Notifications = append(b.Notifications, n)
		return n.ID, err
	}
	return bson.ObjectID{}, fmt.Errorf("sqlitestore: unknown kind %q", b.Kind)
}

// Import writes b's records as they are, in one transaction; records
// whose id is already there are left alone.
func (s *Store) Import(ctx context.Context, b store.Batch) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return importBatch(ctx, tx, b) })
}

func importBatch(ctx context.Context, tx *sql.Tx, b store.Batch) error {
	switch b.Kind {
	case store.KindImages:
		return insertImages(ctx, tx, b.Images)
	case store.KindUsers:
		return importUsers(ctx, tx, b.Users)
	case store.KindGroups:
		for _, g := range b.Groups {
			if err := insertGroup(ctx, tx, g); err != nil && !isDuplicate(err) {
				return err
			}
		}
		return nil
	case store.KindPins:
		for _, p := range b.Pins {
			if err := insertPin(ctx, tx, p); err != nil && !isDuplicate(err) {
				return err
			}
		}
		return nil
	case store.KindFollows:
		return each(ctx, tx, `INSERT OR IGNORE INTO follows (id, follower_id, followee_id, created_at) VALUES (?, ?, ?, ?)`,
			len(b.Follows), func(i int) []any {
				f := &b.Follows[i]
				return []any{f.ID[:], f.FollowerID[:], f.FolloweeID[:], ms(f.CreatedAt)}
			})
	case store.KindComments:
		return each(ctx, tx, `INSERT OR IGNORE INTO comments (id, pin_id, author_id, content, created_at) VALUES (?, ?, ?, ?, ?)`,
			len(b.Comments), func(i int) []any {
				c := &b.Comments[i]
				return []any{c.ID[:], c.PinID[:], c.AuthorID[:], c.Content, ms(c.CreatedAt)}
			})
	case store.KindLikes, store.KindBookmarks:
		table, rs := "likes", b.Likes
		if b.Kind == store.KindBookmarks {
			table, rs = "bookmarks", b.Bookmarks
		}
		return each(ctx, tx, `INSERT OR IGNORE INTO `+table+` (id, pin_id, user_id, created_at) VALUES (?, ?, ?, ?)`,
			len(rs), func(i int) []any {
				r := &rs[i]
				return []any{r.ID[:], r.PinID[:], r.UserID[:], ms(r.CreatedAt)}
			})
	case store.KindSaves:
		// OR IGNORE also skips a second save of a pin into one group.
		return each(ctx, tx, `INSERT OR IGNORE INTO saves (id, pin_id, group_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			len(b.Saves), func(i int) []any {
				v := &b.Saves[i]
				return []any{v.ID[:], v.PinID[:], v.GroupID[:], v.UserID[:], ms(v.CreatedAt)}
			})
	case store.KindNotifications:
		return insertNotifications(ctx, tx, b.Notifications)
	}
	return fmt.Errorf("sqlitestore: unknown kind %q", b.Kind)
}

// importUsers writes users as CreateUser would (the nickname key is the
// skeleton, whatever the source kept). The same id again is skipped; an
// email or nickname another account holds is an error naming the user,
// never a silent drop.
func importUsers(ctx context.Context, tx *sql.Tx, users []store.User) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO users (id, email, nickname, nickname_key, password_hash,
		avatar_key, avatar_ext, avatar_w, avatar_h, avatar_alpha, message, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, u := range users {
		_, err := stmt.ExecContext(ctx, u.ID[:], u.Email, u.Nickname, store.NicknameSkeleton(u.Nickname),
			u.PasswordHash, u.Avatar.Key, u.Avatar.Ext, u.Avatar.Width, u.Avatar.Height, u.Avatar.Alpha,
			u.Message, ms(u.CreatedAt))
		if isDuplicate(err) {
			return fmt.Errorf("sqlitestore: import user %s (%s, %s): another account has this email or nickname",
				u.ID.Hex(), u.Email, u.Nickname)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// each runs one prepared statement for n argument lists.
func each(ctx context.Context, tx *sql.Tx, query string, n int, args func(i int) []any) error {
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range n {
		if _, err := stmt.ExecContext(ctx, args(i)...); err != nil {
			return err
		}
	}
	return nil
}

// Optimize implements store.Optimizer: it merges each full-text index into
// one segment. An import leaves one segment per batch or more (8 for the
// benchmark's 100,000 pins), and a query seeks every term in every
// segment: related pins, which OR the words of a title, spent a third of
// their CPU there.
func (s *Store) Optimize(ctx context.Context) error {
	for _, t := range []string{"pin_words", "group_words"} {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`) VALUES ('optimize')`); err != nil {
			return mapErr(err)
		}
	}
	return nil
}
