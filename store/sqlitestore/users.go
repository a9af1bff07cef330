package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// userFields are a user's row packed into one value (packed.go): the user
// behind every signed-in request is read with one driver value, not twelve.
var userFields = []string{packID("u.id"), packStr("u.email"), packStr("u.nickname"), packStr("u.nickname_key"),
	packStr("u.password_hash"), packImage("u.avatar"), packInt("u.created_at"), "u.message"}

var (
	userCols = packed(userFields...)
	// sessionUserCols are the unread count, then userFields.
	sessionUserCols = packed(append([]string{packInt("u.unread_count")}, userFields...)...)
)

// scanUser reads a row of userCols.
func scanUser(row interface{ Scan(...any) error }) (*store.User, error) {
	var raw string
	if err := row.Scan(&raw); err != nil {
		return nil, mapErr(err)
	}
	return unpackUser(&unpacker{s: raw})
}

// unpackUser reads userFields, the last fields of p.
func unpackUser(p *unpacker) (*store.User, error) {
	u := &store.User{ID: p.id(), Email: p.str(), Nickname: p.str(), NicknameKey: p.str(),
		PasswordHash: []byte(p.str())}
	u.Avatar, u.CreatedAt = p.image(), fromMS(p.int())
	u.Message = p.rest()
	if err := p.done(); err != nil {
		return nil, err
	}
	return u, nil
}

// CreateUser validates a sign-up and stores the user; a taken email or
// nickname is EConflict naming the field. The unique indexes decide, so
// two concurrent sign-ups cannot both win.
func (s *Store) CreateUser(ctx context.Context, in store.NewUser) (*store.User, error) {
	u, err := store.NewUserRecord(in, s.opts)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		taken := &store.Error{Code: store.EConflict, Message: "Already taken.", Fields: map[string]store.Reason{}}
		rows, err := tx.QueryContext(ctx,
			`SELECT email = ?, nickname_key = ? FROM users WHERE email = ? OR nickname_key = ?`,
			u.Email, u.NicknameKey, u.Email, u.NicknameKey)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var email, nick bool
			if err := rows.Scan(&email, &nick); err != nil {
				return err
			}
			if email {
				taken.Fields["email"] = store.Reason{Code: store.ReasonTaken}
			}
			if nick {
				taken.Fields["nickname"] = store.Reason{Code: store.ReasonTaken}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(taken.Fields) > 0 {
			return taken
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO users
			(id, email, nickname, nickname_key, password_hash, message, created_at)
			VALUES (?, ?, ?, ?, ?, '', ?)`,
			u.ID[:], u.Email, u.Nickname, u.NicknameKey, u.PasswordHash, ms(u.CreatedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Authenticate returns the user with this email and password. Every
// mismatch is the same error and costs one bcrypt comparison, so neither
// the answer nor its timing reveals whether an account exists.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx,
		`SELECT `+userCols+` FROM users u WHERE u.email = ?`, store.NormalizeEmail(email)))
	if errors.Is(err, store.ErrNotFound) {
		store.PasswordMatches(store.DummyHash(s.opts.PasswordCost), password)
		return nil, store.ErrWrongLogin
	}
	if err != nil {
		return nil, err
	}
	if !store.PasswordMatches(u.PasswordHash, password) {
		return nil, store.ErrWrongLogin
	}
	return u, nil
}

// FindUserByID returns the user.
func (s *Store) FindUserByID(ctx context.Context, id bson.ObjectID) (*store.User, error) {
	return scanUser(s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id[:]))
}

// FindSessionUser implements store.SessionUsers: the unread count is a
// column of the user's row (kept by the notifications' triggers).
func (s *Store) FindSessionUser(ctx context.Context, id bson.ObjectID) (*store.User, int64, error) {
	var raw string
	if err := s.r.QueryRowContext(ctx, `SELECT `+sessionUserCols+` FROM users u WHERE u.id = ?`, id[:]).Scan(&raw); err != nil {
		return nil, 0, mapErr(err)
	}
	p := &unpacker{s: raw}
	unread := p.int()
	u, err := unpackUser(p)
	if err != nil {
		return nil, 0, err
	}
	return u, unread, nil
}

// FindCards returns the cards of the given users with one query; unknown
// users are absent from the map.
func (s *Store) FindCards(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]store.Card, error) {
	out := make(map[bson.ObjectID]store.Card, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, nickname, avatar_key, avatar_ext, avatar_w, avatar_h, avatar_alpha
		FROM users WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.Card
		if err := rows.Scan(idScan{&c.ID}, &c.Nickname, &c.Avatar.Key, &c.Avatar.Ext,
			&c.Avatar.Width, &c.Avatar.Height, &c.Avatar.Alpha); err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, mapErr(rows.Err())
}

// profileCols are a user as others see them, with whether the viewer (the
// first argument) follows them, packed into one value (packed.go).
var profileCols = packed(packID("id"), packStr("nickname"), packImage("avatar"), packInt("pin_count"),
	packInt("follower_count"), packInt("following_count"),
	packInt("EXISTS (SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = users.id)"), "message")

// FindProfile returns a user as others see it: one query, counts included.
func (s *Store) FindProfile(ctx context.Context, id, viewer bson.ObjectID) (*store.Profile, error) {
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT `+profileCols+` FROM users WHERE id = ?`, viewer[:], id[:]).Scan(&raw)
	if err != nil {
		return nil, mapErr(err)
	}
	u := unpacker{s: raw}
	p := &store.Profile{}
	p.ID, p.Nickname, p.Avatar = u.id(), u.str(), u.image()
	p.PinCount, p.FollowerCount, p.FollowingCount, p.IsFollowing = u.int(), u.int(), u.int(), u.bool()
	p.Message = u.rest()
	if err := u.done(); err != nil {
		return nil, err
	}
	return p, nil
}

// UpdateUserMessage sets the profile message.
func (s *Store) UpdateUserMessage(ctx context.Context, id bson.ObjectID, message string) (*store.User, error) {
	message, err := store.ValidateMessage(message)
	if err != nil {
		return nil, err
	}
	return s.updateUser(ctx, id, `message = ?`, message)
}

// SetUserAvatar sets the avatar image (already stored by PutImage).
func (s *Store) SetUserAvatar(ctx context.Context, id bson.ObjectID, img store.ImageRef) (*store.User, error) {
	return s.updateUser(ctx, id, `avatar_key = ?, avatar_ext = ?, avatar_w = ?, avatar_h = ?, avatar_alpha = ?`,
		img.Key, img.Ext, img.Width, img.Height, img.Alpha)
}

// updateUser applies set to the user and returns the user after it.
func (s *Store) updateUser(ctx context.Context, id bson.ObjectID, set string, args ...any) (*store.User, error) {
	var u *store.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET `+set+` WHERE id = ?`, append(args, id[:])...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, id[:]))
		return err
	})
	return u, err
}
