package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DeleteUser removes an account and everything it owns after checking its
// password. A wrong password is EInvalid on the "password" field: the
// caller is signed in, so it is a refused form rather than a failed
// log-in.
func (s *Store) DeleteUser(ctx context.Context, id bson.ObjectID, password string) error {
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	if !passwordMatches(u.PasswordHash, password) {
		return FieldError("password", "Wrong password.")
	}
	if _, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		return err
	}
	s.invalidate(userKeys(id)...)
	return s.deleteUserCascade(ctx, id)
}

// userKeys are the cache keys that show a user.
func userKeys(id bson.ObjectID) []string {
	return []string{"user:" + id.Hex(), "card:" + id.Hex(), "uc:" + id.Hex()}
}

// deleteUserCascade deletes what belongs to a user already marked
// deleting, without a transaction. Every step is idempotent and the user
// document goes last, so the mark stays until the whole cascade is done
// and ResumeDeletions can rerun it after a crash at any point. Until then
// the user is hidden everywhere (cards, profiles, log-in).
func (s *Store) deleteUserCascade(ctx context.Context, id bson.ObjectID) error {
	if _, err := s.notifications.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "recipient_id", Value: id}},
		bson.D{{Key: "actor_id", Value: id}},
	}}}); err != nil {
		return err
	}
	if err := s.deleteUserFollows(ctx, id); err != nil {
		return err
	}
	// Others' pins the user liked, bookmarked or commented on: their
	// counts change, so their pc: keys go.
	for _, r := range []struct {
		coll  *mongo.Collection
		field string
	}{{s.likes, "user_id"}, {s.bookmarks, "user_id"}, {s.comments, "author_id"}} {
		if err := s.deleteByUser(ctx, r.coll, r.field, id); err != nil {
			return err
		}
	}
	if err := s.deleteUserGroups(ctx, id); err != nil {
		return err
	}
	// Pins always live in their author's groups, so this finds nothing
	// unless a pin was created in a group whose cascade had already run.
	if err := s.sweepPins(ctx, bson.D{{Key: "author_id", Value: id}}); err != nil {
		return err
	}
	if _, err := s.users.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return err
	}
	s.invalidate(userKeys(id)...)
	return nil
}

// deleteUserFollows deletes follows in both directions and drops the
// cached counts of the users on the other side. A follow inserted after
// the find is deleted too; Follow then notices the deleting mark and
// invalidates both sides itself.
func (s *Store) deleteUserFollows(ctx context.Context, id bson.ObjectID) error {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "follower_id", Value: id}},
		bson.D{{Key: "followee_id", Value: id}},
	}}}
	cur, err := s.follows.Find(ctx, filter,
		options.Find().SetProjection(bson.D{{Key: "follower_id", Value: 1}, {Key: "followee_id", Value: 1}}))
	if err != nil {
		return err
	}
	var rows []Follow
	if err := cur.All(ctx, &rows); err != nil {
		return err
	}
	if _, err := s.follows.DeleteMany(ctx, filter); err != nil {
		return err
	}
	keys := make([]string, 0, len(rows))
	for _, f := range rows {
		other := f.FollowerID
		if other == id {
			other = f.FolloweeID
		}
		keys = append(keys, "uc:"+other.Hex())
	}
	s.invalidate(keys...)
	return nil
}

// deleteByUser deletes the documents of coll whose field is id (likes,
// bookmarks or comments) and invalidates the counts of the pins they were
// on, collected before the delete.
func (s *Store) deleteByUser(ctx context.Context, coll *mongo.Collection, field string, id bson.ObjectID) error {
	filter := bson.D{{Key: field, Value: id}}
	cur, err := coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "pin_id", Value: 1}}))
	if err != nil {
		return err
	}
	var rows []struct {
		PinID bson.ObjectID `bson:"pin_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return err
	}
	if _, err := coll.DeleteMany(ctx, filter); err != nil {
		return err
	}
	seen := make(map[bson.ObjectID]bool, len(rows))
	keys := make([]string, 0, len(rows))
	for _, r := range rows {
		if !seen[r.PinID] {
			seen[r.PinID] = true
			keys = append(keys, "pc:"+r.PinID.Hex(), "cm:"+r.PinID.Hex())
		}
	}
	s.invalidate(keys...)
	return nil
}

// deleteUserGroups runs the group cascade (which takes the pins with it)
// for every group of the user, including groups already marked deleting
// by an interrupted run.
func (s *Store) deleteUserGroups(ctx context.Context, id bson.ObjectID) error {
	cur, err := s.groups.Find(ctx, bson.D{{Key: "owner_id", Value: id}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return err
	}
	var groups []Group
	if err := cur.All(ctx, &groups); err != nil {
		return err
	}
	for _, g := range groups {
		if err := s.deleteGroupCascade(ctx, g.ID); err != nil {
			return err
		}
	}
	return nil
}

// resumeUserDeletions finishes every account cascade a crash interrupted.
func (s *Store) resumeUserDeletions(ctx context.Context) error {
	return resumeMarked(ctx, s.users, "user", s.deleteUserCascade)
}
