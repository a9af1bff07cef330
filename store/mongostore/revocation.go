package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Revoked session tokens are kept in the database so that a log-out
// survives a restart of a single instance (with Redis, instances share
// them there instead). Documents: {_id: token id, until: its expiry}.

// RevokeToken records that the token jti must be refused until until.
func (s *Store) RevokeToken(ctx context.Context, jti string, until time.Time) error {
	_, err := s.revocations.UpdateOne(ctx, bson.D{{Key: "_id", Value: jti}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: until.UTC()}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// RevokedTokens returns every revocation still in force, keyed by token id,
// after dropping the expired ones. It is read once at start-up.
func (s *Store) RevokedTokens(ctx context.Context) (map[string]time.Time, error) {
	now := time.Now().UTC()
	if _, err := s.revocations.DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: now}}}}); err != nil {
		return nil, err
	}
	cur, err := s.revocations.Find(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID    string    `bson:"_id"`
		Until time.Time `bson:"until"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Until
	}
	return out, nil
}
