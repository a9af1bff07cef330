package mongostore

import (
	"context"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DeleteUser removes an account and everything it owns after checking its
// password, and returns what it removed that other pages show. A wrong
// password is EInvalid on the "password" field: the caller is signed in,
// so it is a refused form rather than a failed log-in.
func (s *Store) DeleteUser(ctx context.Context, id bson.ObjectID, password string) (store.DeletedAccount, error) {
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return store.DeletedAccount{}, err
	}
	if !store.PasswordMatches(u.PasswordHash, password) {
		return store.DeletedAccount{}, store.FieldError("password", store.Reason{Code: store.ReasonWrongPassword})
	}
	if _, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		return store.DeletedAccount{}, err
	}
	s.invalidate(userKeys(id)...)
	return s.deleteUserCascade(ctx, id)
}

// deleteUserCascade deletes what belongs to a user already marked
// deleting, without a transaction. Every step is idempotent and the user
// document goes last, so the mark stays until the whole cascade is done
// and ResumeDeletions can rerun it after a crash at any point. Until then
// the user is hidden everywhere (cards, profiles, log-in). It returns
// what it removed (see DeletedAccount); a rerun returns only what it
// removed itself.
func (s *Store) deleteUserCascade(ctx context.Context, id bson.ObjectID) (store.DeletedAccount, error) {
	ctx = longRunning(ctx) // commands over a whole account (deadline.go)
	var del store.DeletedAccount
	if _, err := s.notifications.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "recipient_id", Value: id}},
		bson.D{{Key: "actor_id", Value: id}},
	}}}); err != nil {
		return del, err
	}
	followees, err := s.deleteUserFollows(ctx, id)
	if err != nil {
		return del, err
	}
	// Others' pins the user liked, bookmarked or commented on: their
	// counts change, so their pc: keys go.
	var comments []store.DeletedComment
	for _, r := range []struct {
		coll  *collection
		field string
	}{{s.likes, "user_id"}, {s.bookmarks, "user_id"}, {s.saves, "user_id"}, {s.comments, "author_id"}} {
		rows, err := s.deleteByUser(ctx, r.coll, r.field, id)
		if err != nil {
			return del, err
		}
		if r.coll == s.comments {
			comments = rows
		}
	}
	pinIDs, err := s.deleteUserGroups(ctx, id)
	if err != nil {
		return del, err
	}
	// Pins always live in their author's groups, so this finds nothing
	// unless a pin was created in a group whose cascade had already run.
	stray, err := s.sweepPins(ctx, bson.D{{Key: "author_id", Value: id}})
	if err != nil {
		return del, err
	}
	pinIDs = append(pinIDs, stray...)
	if _, err := s.users.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return del, err
	}
	s.invalidate(userKeys(id)...)
	// Comments on the user's own pins went with those pins, which
	// pin.deleted covers.
	own := make(map[bson.ObjectID]bool, len(pinIDs))
	for _, p := range pinIDs {
		own[p] = true
	}
	for _, c := range comments {
		if !own[c.PinID] {
			del.Comments = append(del.Comments, c)
		}
	}
	del.PinIDs, del.Followees = pinIDs, followees
	return del, nil
}

// deleteUserFollows deletes follows in both directions and drops the
// cached counts of the users on the other side. A follow inserted after
// the find is deleted too; Follow then notices the deleting mark and
// invalidates both sides itself. It returns the users id followed.
func (s *Store) deleteUserFollows(ctx context.Context, id bson.ObjectID) ([]bson.ObjectID, error) {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "follower_id", Value: id}},
		bson.D{{Key: "followee_id", Value: id}},
	}}}
	cur, err := s.follows.Find(ctx, filter,
		options.Find().SetProjection(bson.D{{Key: "follower_id", Value: 1}, {Key: "followee_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []Follow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	if _, err := s.follows.DeleteMany(ctx, filter); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(rows))
	var followees []bson.ObjectID
	for _, f := range rows {
		other := f.FollowerID
		if other == id {
			other = f.FolloweeID
			followees = append(followees, other)
		}
		keys = append(keys, userCountsKey(other))
	}
	s.invalidate(keys...)
	return followees, nil
}

// deleteByUser deletes the documents of coll whose field is id (likes,
// bookmarks or comments) and invalidates the counts of the pins they were
// on, collected before the delete. It returns the deleted documents' ids
// and pins.
func (s *Store) deleteByUser(ctx context.Context, coll *collection, field string, id bson.ObjectID) ([]store.DeletedComment, error) {
	filter := bson.D{{Key: field, Value: id}}
	cur, err := coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "pin_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID    bson.ObjectID `bson:"_id"`
		PinID bson.ObjectID `bson:"pin_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	if _, err := coll.DeleteMany(ctx, filter); err != nil {
		return nil, err
	}
	out := make([]store.DeletedComment, len(rows))
	seen := make(map[bson.ObjectID]bool, len(rows))
	keys := make([]string, 0, len(rows))
	for i, r := range rows {
		out[i] = store.DeletedComment{ID: r.ID, PinID: r.PinID}
		if !seen[r.PinID] {
			seen[r.PinID] = true
			keys = append(keys, commentKeys(r.PinID)...)
		}
	}
	s.invalidate(keys...)
	return out, nil
}

// deleteUserGroups runs the group cascade (which takes the pins with it)
// for every group of the user, including groups already marked deleting
// by an interrupted run, and returns the ids of the pins deleted.
func (s *Store) deleteUserGroups(ctx context.Context, id bson.ObjectID) ([]bson.ObjectID, error) {
	cur, err := s.groups.Find(ctx, bson.D{{Key: "owner_id", Value: id}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var groups []store.Group
	if err := cur.All(ctx, &groups); err != nil {
		return nil, err
	}
	var pinIDs []bson.ObjectID
	for _, g := range groups {
		ids, err := s.deleteGroupCascade(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		pinIDs = append(pinIDs, ids...)
	}
	return pinIDs, nil
}

// resumeUserDeletions finishes every account cascade a crash interrupted.
func (s *Store) resumeUserDeletions(ctx context.Context) error {
	return resumeMarked(ctx, s.users, "user", func(ctx context.Context, id bson.ObjectID) error {
		_, err := s.deleteUserCascade(ctx, id)
		return err
	})
}
