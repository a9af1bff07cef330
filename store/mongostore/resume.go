package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ResumeDeletions finishes every cascade a crash left half-done: accounts,
// then groups, then pins still marked deleting. Call it at start-up before
// serving. Accounts go first because their cascade also deletes their
// groups and pins; whatever is left after it is an interrupted group or
// pin deletion of its own.
func (s *Store) ResumeDeletions(ctx context.Context) error {
	ctx = longRunning(ctx)
	if err := s.resumeUserDeletions(ctx); err != nil {
		return err
	}
	if err := s.resumeGroupDeletions(ctx); err != nil {
		return err
	}
	return s.resumePinDeletions(ctx)
}

// resumeMarked runs cascade again for every document of coll still marked
// deleting; each cascade is idempotent, so a half-done one is finished.
func resumeMarked(ctx context.Context, coll *collection, kind string, cascade func(context.Context, bson.ObjectID) error) error {
	cur, err := coll.Find(ctx, bson.D{{Key: "deleting", Value: true}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return err
	}
	var rows []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cascade(ctx, r.ID); err != nil {
			return fmt.Errorf("store: resume deletion of %s %s: %w", kind, r.ID.Hex(), err)
		}
	}
	return nil
}
