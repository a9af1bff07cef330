package mongostore

import (
	"context"
	"errors"
	"mypinterest/store"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateUser validates a sign-up, hashes the password and stores the user.
// A taken email or nickname is EConflict naming the field; the unique
// indexes decide, so two concurrent sign-ups cannot both win.
func (s *Store) CreateUser(ctx context.Context, in store.NewUser) (*store.User, error) {
	u, err := store.NewUserRecord(in, s.opts.Options)
	if err != nil {
		return nil, err
	}
	if _, err := s.users.InsertOne(ctx, u); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, s.duplicateUser(ctx, u, err)
		}
		return nil, err
	}
	return u, nil
}

// duplicateUser names the field a failed insert collided on. FerretDB's
// duplicate-key message does not name the index, so look the owners up.
func (s *Store) duplicateUser(ctx context.Context, u *store.User, dupErr error) error {
	conflict := &store.Error{Code: store.EConflict, Message: "Already taken.", Fields: map[string]store.Reason{}}
	cur, err := s.users.Find(ctx,
		bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "email", Value: u.Email}},
			bson.D{{Key: "nickname_key", Value: u.NicknameKey}},
		}}},
		options.Find().SetProjection(bson.D{{Key: "email", Value: 1}, {Key: "nickname_key", Value: 1}}))
	if err == nil {
		var taken []store.User
		if err = cur.All(ctx, &taken); err == nil {
			for _, t := range taken {
				if t.Email == u.Email {
					conflict.Fields["email"] = store.Reason{Code: store.ReasonTaken}
				}
				if t.NicknameKey == u.NicknameKey {
					conflict.Fields["nickname"] = store.Reason{Code: store.ReasonTaken}
				}
			}
		}
	}
	if len(conflict.Fields) == 0 {
		// The other account went away meanwhile; MongoDB names the index.
		if strings.Contains(dupErr.Error(), "nickname_key") {
			conflict.Fields["nickname"] = store.Reason{Code: store.ReasonTaken}
		} else {
			conflict.Fields["email"] = store.Reason{Code: store.ReasonTaken}
		}
	}
	return conflict
}

// Authenticate returns the user with this email and password. Every
// mismatch is the same EUnauthorized error and costs one bcrypt
// comparison, so neither the answer nor its timing reveals an account.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*store.User, error) {
	var u store.User
	err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: store.NormalizeEmail(email)}, skipDeleting}).Decode(&u)
	if errors.Is(err, mongo.ErrNoDocuments) {
		store.PasswordMatches(store.DummyHash(s.opts.PasswordCost), password)
		return nil, store.ErrWrongLogin
	}
	if err != nil {
		return nil, err
	}
	if !store.PasswordMatches(u.PasswordHash, password) {
		return nil, store.ErrWrongLogin
	}
	return &u, nil
}

// FindUserByID returns the user, cached under user:<id>. Deleting users
// are not found.
func (s *Store) FindUserByID(ctx context.Context, id bson.ObjectID) (*store.User, error) {
	u, err := cached(ctx, s.cache, userKey(id), func() (store.User, error) {
		var u store.User
		err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: id}, skipDeleting}).Decode(&u)
		return u, mapErr(err)
	})
	if err != nil {
		return nil, err
	}
	// A copy: callers must not be able to change the cached value.
	return &u, nil
}

// UpdateUserMessage sets the profile message (at most 100 characters).
func (s *Store) UpdateUserMessage(ctx context.Context, id bson.ObjectID, message string) (*store.User, error) {
	message, err := store.ValidateMessage(message)
	if err != nil {
		return nil, err
	}
	return s.updateUser(ctx, id, bson.D{{Key: "message", Value: message}})
}

// SetUserAvatar sets the avatar image (already stored by PutImage).
func (s *Store) SetUserAvatar(ctx context.Context, id bson.ObjectID, img store.ImageRef) (*store.User, error) {
	return s.updateUser(ctx, id, bson.D{{Key: "avatar", Value: img}})
}

// updateUser applies set to a live user and returns the user after it.
func (s *Store) updateUser(ctx context.Context, id bson.ObjectID, set bson.D) (*store.User, error) {
	var u store.User
	err := s.users.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, skipDeleting},
		bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&u)
	if err != nil {
		return nil, mapErr(err)
	}
	s.invalidate(userKey(id), cardKey(id))
	return &u, nil
}

// userCounts is what uc:<id> caches.
type userCounts struct {
	Pins, Followers, Following int64
}

// FindProfile returns a user as others see it. The user document and its
// counts are cached, so a warm profile costs one query (is_following) for
// a signed-in viewer and none for an anonymous one, however many
// followers the user has.
func (s *Store) FindProfile(ctx context.Context, id, viewer bson.ObjectID) (*store.Profile, error) {
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := cached(ctx, s.cache, userCountsKey(id), func() (userCounts, error) { return s.countUser(ctx, id) })
	if err != nil {
		return nil, err
	}
	p := &store.Profile{
		Card:           u.Card(),
		Message:        u.Message,
		PinCount:       c.Pins,
		FollowerCount:  c.Followers,
		FollowingCount: c.Following,
	}
	if viewer != bson.NilObjectID && viewer != id {
		err := s.follows.FindOne(ctx,
			bson.D{{Key: "follower_id", Value: viewer}, {Key: "followee_id", Value: id}},
			options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, err
		}
		p.IsFollowing = err == nil
	}
	return p, nil
}

// countUser recounts a user's pins, followers and following.
func (s *Store) countUser(ctx context.Context, id bson.ObjectID) (userCounts, error) {
	var c userCounts
	var err error
	if c.Pins, err = aggregateCount(ctx, s.pins, bson.D{{Key: "author_id", Value: id}, skipDeleting}); err != nil {
		return c, err
	}
	if c.Followers, err = aggregateCount(ctx, s.follows, bson.D{{Key: "followee_id", Value: id}}); err != nil {
		return c, err
	}
	c.Following, err = aggregateCount(ctx, s.follows, bson.D{{Key: "follower_id", Value: id}})
	return c, err
}

// aggregateCount counts the documents of coll matching match with one
// $match/$group/$sum pipeline (docs/API.md §Counts: counts come from aggregations).
func aggregateCount(ctx context.Context, coll *collection, match bson.D) (int64, error) {
	cur, err := coll.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return 0, err
	}
	var rows []struct {
		N int64 `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].N, nil
}
