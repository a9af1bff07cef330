package handlers

import (
	"context"
	"encoding/json"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Event names and topics of docs/LIVE.md §Topics and events.
const (
	evCommentCreated      = "comment.created"
	evCommentDeleted      = "comment.deleted"
	evPinLiked            = "pin.liked"
	evPinUpdated          = "pin.updated"
	evPinDeleted          = "pin.deleted"
	evPinCreated          = "pin.created"
	evProfileFollowers    = "profile.followers"
	evNotificationCreated = "notification.created"

	topicPins = "pins"
)

func pinTopic(id bson.ObjectID) string     { return "pin:" + id.Hex() }
func userTopic(id bson.ObjectID) string    { return "user:" + id.Hex() }
func profileTopic(id bson.ObjectID) string { return "profile:" + id.Hex() }

// frame is one event as the hub sends it to clients. It is encoded here,
// once per event, and the hub passes the bytes on untouched.
type frame struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
	Event string `json:"event"`
	Data  any    `json:"data"`
	TS    int64  `json:"ts"`
}

type idJSON struct {
	ID string `json:"id"`
}

// pinLikedJSON and followersJSON carry a recount and, when the store
// bumped one, its revision (rev): the count with the highest rev is the
// freshest, so clients drop an event whose rev is below one already seen.
type pinLikedJSON struct {
	PinID     string `json:"pin_id"`
	LikeCount int64  `json:"like_count"`
	Rev       int64  `json:"rev,omitempty"`
}

type followersJSON struct {
	UserID        string `json:"user_id"`
	FollowerCount int64  `json:"follower_count"`
	Rev           int64  `json:"rev,omitempty"`
}

// publish sends event with data on topic. It runs after the store write
// has committed; a failure is logged and counted but never fails the
// request, since the write itself succeeded and clients re-sync over HTTP.
func (s *server) publish(ctx context.Context, topic, event string, data any) {
	msg, err := json.Marshal(frame{Type: "event", Topic: topic, Event: event, Data: data, TS: time.Now().UnixMilli()})
	if err == nil {
		err = s.pub.Publish(ctx, topic, msg)
	}
	if err != nil {
		s.publishFailed("publish failed", "topic", topic, "event", event, "err", err)
	}
}

// notify persists a notification for recipients and publishes each
// delivery on its recipient's topic. Like publish, it never fails the
// request that caused it.
func (s *server) notify(ctx context.Context, kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients ...bson.ObjectID) {
	ds, err := s.store.Notify(ctx, kind, actor, pin, recipients)
	if err != nil {
		s.publishFailed("notify failed", "kind", kind, "actor", actor.Hex(), "err", err)
		return
	}
	s.deliver(ctx, ds)
}

// maxAfterResponse bounds the notifications written in the background at
// once; past it a request writes its own before answering, which slows
// writers instead of piling up work.
const maxAfterResponse = 256

// afterResponseTimeout bounds one background notification.
const afterResponseTimeout = 10 * time.Second

// notifyAfter is notify for notifications the response does not show: they
// are written while the response goes out, so the request waits for
// neither the notification's writes nor its publish. Errors are logged and
// counted as in notify; shutdown waits for them.
func (s *server) notifyAfter(ctx context.Context, kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients ...bson.ObjectID) {
	s.runAfter(ctx, func(ctx context.Context) { s.notify(ctx, kind, actor, pin, recipients...) })
}

// notifyFollowersAfter tells every follower of actor about the new pin
// after the response: the fan-out writes up to one row per follower.
func (s *server) notifyFollowersAfter(ctx context.Context, actor, pin bson.ObjectID) {
	s.runAfter(ctx, func(ctx context.Context) { s.notifyFollowers(ctx, actor, pin) })
}

// runAfter runs fn while the response goes out, with the request's
// context values but its own timeout; when maxAfterResponse are already
// running it runs fn before returning instead.
func (s *server) runAfter(ctx context.Context, fn func(context.Context)) {
	select {
	case s.afterSlots <- struct{}{}:
	default:
		fn(ctx)
		return
	}
	s.after.Add(1)
	// The request's context ends with the response; keep its values only.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterResponseTimeout)
	go func() {
		defer func() {
			cancel()
			<-s.afterSlots
			s.after.Done()
		}()
		fn(ctx)
	}()
}

// notifyFollowers tells every follower of actor about the new pin.
func (s *server) notifyFollowers(ctx context.Context, actor, pin bson.ObjectID) {
	ds, err := s.store.NotifyFollowers(ctx, actor, pin)
	if err != nil {
		s.publishFailed("notify followers failed", "actor", actor.Hex(), "pin", pin.Hex(), "err", err)
		return
	}
	s.deliver(ctx, ds)
}

// publishPinsDeleted sends pin.deleted for each pin a group or account
// deletion took with it.
func (s *server) publishPinsDeleted(ctx context.Context, ids []bson.ObjectID) {
	for _, id := range ids {
		s.publish(ctx, pinTopic(id), evPinDeleted, idJSON{ID: id.Hex()})
	}
}

// publishAccountDeleted tells watchers what an account deletion removed:
// pin.deleted for its pins, comment.deleted for its comments on others'
// pins, and profile.followers for every user it followed, recounted for
// all of them with one aggregation (without rev: clients apply such a
// count as they find it). Like publish, it never fails the request.
func (s *server) publishAccountDeleted(ctx context.Context, del store.DeletedAccount) {
	s.publishPinsDeleted(ctx, del.PinIDs)
	for _, c := range del.Comments {
		s.publish(ctx, pinTopic(c.PinID), evCommentDeleted, idJSON{ID: c.ID.Hex()})
	}
	if len(del.Followees) == 0 {
		return
	}
	counts, err := s.store.FollowerCounts(ctx, del.Followees)
	if err != nil {
		s.publishFailed("recount followers failed", "users", len(del.Followees), "err", err)
		return
	}
	for _, id := range del.Followees {
		s.publish(ctx, profileTopic(id), evProfileFollowers, followersJSON{UserID: id.Hex(), FollowerCount: counts[id]})
	}
}

func (s *server) deliver(ctx context.Context, ds []store.Delivery) {
	for _, d := range ds {
		data := liveNotificationJSON{notificationJSON: notificationView(d.View), UnreadCount: d.UnreadCount}
		s.publish(ctx, userTopic(d.View.RecipientID), evNotificationCreated, data)
	}
}

// disconnect closes, on every instance, the live connections of user's
// session sessionID, or all of user's when sessionID is "". It runs after
// a log-out or an account deletion has succeeded; like publish, a failure
// is logged and counted but never fails the request (the token no longer
// authenticates anyway; only already open sockets stay open).
func (s *server) disconnect(ctx context.Context, user bson.ObjectID, sessionID string) {
	if s.disc == nil {
		return
	}
	if err := s.disc.Disconnect(ctx, user.Hex(), sessionID); err != nil {
		s.publishFailed("disconnect failed", "user", user.Hex(), "err", err)
	}
}

func (s *server) publishFailed(msg string, args ...any) {
	s.log.Warn(msg, args...)
	if s.onPubErr != nil {
		s.onPubErr()
	}
}
