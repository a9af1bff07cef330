package mongostore

import (
	"context"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FindCards returns the cards of the given users in one query for all that
// are not cached. Unknown and deleting users are absent from the map.
func (s *Store) FindCards(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]store.Card, error) {
	return cachedMany(ctx, s.cache, cardKey, ids, func(missing []bson.ObjectID) (map[bson.ObjectID]store.Card, error) {
		cur, err := s.users.Find(ctx,
			bson.D{{Key: "_id", Value: inSet(missing)}, {Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: "nickname", Value: 1}, {Key: "avatar", Value: 1}}))
		if err != nil {
			return nil, err
		}
		var users []store.User
		if err := cur.All(ctx, &users); err != nil {
			return nil, err
		}
		out := make(map[bson.ObjectID]store.Card, len(users))
		for i := range users {
			out[users[i].ID] = users[i].Card()
		}
		return out, nil
	})
}
