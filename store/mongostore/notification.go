package mongostore

import (
	"context"
	"errors"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Notify stores one notification of kind by actor (about pin, if any) for
// each recipient and returns what each recipient should be shown live.
// Whatever the number of recipients it sends four commands: one
// insertMany, one unread-count aggregation, one card and one pin lookup.
// The actor is never notified of their own action.
func (s *Store) Notify(ctx context.Context, kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients []bson.ObjectID) ([]store.Delivery, error) {
	notes, err := store.NewNotifications(kind, actor, pin, recipients)
	if err != nil {
		return nil, err
	}
	if store.Deduplicated(kind) {
		if notes, err = s.dropRecent(ctx, notes); err != nil {
			return nil, err
		}
	}
	if len(notes) == 0 {
		return nil, nil
	}
	docs := make([]any, len(notes))
	ids := make([]bson.ObjectID, len(notes))
	for i := range notes {
		docs[i] = notes[i]
		ids[i] = notes[i].RecipientID
	}
	if _, err := s.notifications.InsertMany(ctx, docs); err != nil {
		return nil, err
	}
	unread, err := s.unreadCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	views, err := s.hydrateNotifications(ctx, notes)
	if err != nil {
		return nil, err
	}
	out := make([]store.Delivery, len(views))
	for i, v := range views {
		out[i] = store.Delivery{View: v, UnreadCount: unread[v.RecipientID]}
	}
	return out, nil
}

// dropRecent leaves out the notifications whose recipient was told the
// same thing (actor, kind, pin) within store.RenotifyAfter. Toggles have
// one recipient, so this is one lookup.
func (s *Store) dropRecent(ctx context.Context, notes []store.Notification) ([]store.Notification, error) {
	since := store.Now().Add(-store.RenotifyAfter)
	kept := notes[:0]
	for _, n := range notes {
		err := s.notifications.FindOne(ctx, bson.D{
			{Key: "actor_id", Value: n.ActorID}, {Key: "recipient_id", Value: n.RecipientID},
			{Key: "kind", Value: n.Kind}, {Key: "pin_id", Value: n.PinID},
			{Key: "created_at", Value: bson.D{{Key: "$gt", Value: since}}},
		}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			kept = append(kept, n)
		case err != nil:
			return nil, err
		}
	}
	return kept, nil
}

// NotifyFollowers tells every follower of actor about actor's new pin:
// one query for the follower ids, then one Notify for all of them.
func (s *Store) NotifyFollowers(ctx context.Context, actor, pin bson.ObjectID) ([]store.Delivery, error) {
	cur, err := s.follows.Find(ctx, bson.D{{Key: "followee_id", Value: actor}},
		options.Find().SetProjection(bson.D{{Key: "follower_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []Follow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	ids := make([]bson.ObjectID, len(rows))
	for i, f := range rows {
		ids[i] = f.FollowerID
	}
	return s.Notify(ctx, store.NotifyNewPin, actor, &pin, ids)
}

// FindNotifications lists a recipient's notifications, newest first, with
// the unread count; a page costs four queries however long it is.
func (s *Store) FindNotifications(ctx context.Context, recipient bson.ObjectID, p store.Page) (store.NotificationPage, error) {
	sc := s.listScope("notifications:" + recipient.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return store.NotificationPage{}, err
	}
	filter := bson.D{{Key: "recipient_id", Value: recipient}}
	if after != bson.NilObjectID {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: after}}})
	}
	cur, err := s.notifications.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "_id", Value: -1}}).
		SetLimit(int64(limit+1)))
	if err != nil {
		return store.NotificationPage{}, err
	}
	var notes []store.Notification
	if err := cur.All(ctx, &notes); err != nil {
		return store.NotificationPage{}, err
	}
	notes, next := store.NextCursor(sc, notes, limit, func(n store.Notification) bson.ObjectID { return n.ID })
	unread, err := s.unreadCounts(ctx, []bson.ObjectID{recipient})
	if err != nil {
		return store.NotificationPage{}, err
	}
	views, err := s.hydrateNotifications(ctx, notes)
	if err != nil {
		return store.NotificationPage{}, err
	}
	return store.NotificationPage{Items: views, Unread: unread[recipient], Next: next}, nil
}

// UnreadCount counts recipient's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, recipient bson.ObjectID) (int64, error) {
	unread, err := s.unreadCounts(ctx, []bson.ObjectID{recipient})
	return unread[recipient], err
}

// MarkNotificationsRead marks every notification of recipient read.
func (s *Store) MarkNotificationsRead(ctx context.Context, recipient bson.ObjectID) error {
	_, err := s.notifications.UpdateMany(ctx,
		bson.D{{Key: "recipient_id", Value: recipient}, {Key: "read", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}}}})
	return err
}

// unreadCounts counts unread notifications per recipient in one pipeline.
// Recipients without any are absent (zero).
func (s *Store) unreadCounts(ctx context.Context, recipients []bson.ObjectID) (map[bson.ObjectID]int64, error) {
	return countBy(ctx, s.notifications, "recipient_id", recipients, bson.E{Key: "read", Value: false})
}

// hydrateNotifications adds actor cards and pin stubs with one query each.
// A notification whose actor is being deleted is left out (the cascade
// is about to remove it); one whose pin is gone shows no pin.
func (s *Store) hydrateNotifications(ctx context.Context, notes []store.Notification) ([]store.NotificationView, error) {
	var actors, pins []bson.ObjectID
	for _, n := range notes {
		actors = append(actors, n.ActorID)
		if n.PinID != nil {
			pins = append(pins, *n.PinID)
		}
	}
	cards, err := s.FindCards(ctx, actors)
	if err != nil {
		return nil, err
	}
	stubs, err := s.pinStubs(ctx, pins)
	if err != nil {
		return nil, err
	}
	out := make([]store.NotificationView, 0, len(notes))
	for _, n := range notes {
		card, ok := cards[n.ActorID]
		if !ok {
			continue
		}
		v := store.NotificationView{Notification: n, Actor: card}
		if n.PinID != nil {
			if st, ok := stubs[*n.PinID]; ok {
				v.Pin = &st
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// pinStubs finds the title and image of live pins with one query.
func (s *Store) pinStubs(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]store.PinStub, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur, err := s.pins.Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, skipDeleting},
		options.Find().SetProjection(bson.D{{Key: "title", Value: 1}, {Key: "image", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []store.Pin
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[bson.ObjectID]store.PinStub, len(rows))
	for _, p := range rows {
		out[p.ID] = store.PinStub{ID: p.ID, Title: p.Title, Image: p.Image}
	}
	return out, nil
}
