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
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = id.Hex()
	}
	byHex, err := cachedMany(ctx, s.cache, "card:", keys, func(missing []string) (map[string]store.Card, error) {
		oids := make([]bson.ObjectID, 0, len(missing))
		for _, h := range missing {
			id, err := bson.ObjectIDFromHex(h)
			if err == nil {
				oids = append(oids, id)
			}
		}
		cur, err := s.users.Find(ctx,
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids}}}, {Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: "nickname", Value: 1}, {Key: "avatar", Value: 1}}))
		if err != nil {
			return nil, err
		}
		var users []store.User
		if err := cur.All(ctx, &users); err != nil {
			return nil, err
		}
		out := make(map[string]store.Card, len(users))
		for i := range users {
			out[users[i].ID.Hex()] = users[i].Card()
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[bson.ObjectID]store.Card, len(byHex))
	for _, c := range byHex {
		out[c.ID] = c
	}
	return out, nil
}
