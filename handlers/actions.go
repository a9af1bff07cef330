package handlers

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Actions. Every write that others see is performed once, by one of the
// server methods in the actions*.go files: the store call, then what
// follows from it — live events, notifications, token revocations and
// closed WebSockets. The JSON API handlers and the page (form) handlers
// both call them; a handler reads its request, calls one action and
// answers in its own way (JSON, or a redirect or a page), and never
// publishes or notifies by itself. Whether the actor may do it, and
// whether what it names exists, is the store's to say.
//
// Events go out after the store write has committed and never fail the
// action (see publish); notifications the answer does not show are
// written after the response (see notifyAfter).

// createPin stores a new pin, shows it to the grid and tells its author's
// followers (after the response: the fan-out writes a row per follower).
func (s *server) createPin(ctx context.Context, author bson.ObjectID, in store.PinInput, img store.ImageRef) (*store.PinView, error) {
	p, err := s.store.CreatePin(ctx, author, in, img)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, topicPins, evPinCreated, publicPinView(*p))
	s.notifyFollowersAfter(ctx, author, p.ID)
	return p, nil
}

// updatePin changes the pin (the store checks authorship) and shows the
// change to the pin's watchers.
func (s *server) updatePin(ctx context.Context, actor, id bson.ObjectID, patch store.PinPatch) (*store.PinView, error) {
	p, err := s.store.UpdatePin(ctx, id, actor, patch)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, pinTopic(id), evPinUpdated, publicPinView(*p))
	return p, nil
}

// deletePin deletes the pin (the store checks authorship) and tells the
// pin's watchers.
func (s *server) deletePin(ctx context.Context, actor, id bson.ObjectID) error {
	if err := s.store.DeletePin(ctx, id, actor); err != nil {
		return err
	}
	s.publish(ctx, pinTopic(id), evPinDeleted, idJSON{ID: id.Hex()})
	return nil
}

// addComment stores the comment, shows it to the pin's watchers and
// notifies the pin's author after the response (the answer does not show
// the notification; the store skips authors commenting on their own pins).
func (s *server) addComment(ctx context.Context, author, pin bson.ObjectID, content string) (commentJSON, error) {
	cm, p, err := s.store.CreateComment(ctx, pin, author, content)
	if err != nil {
		return commentJSON{}, err
	}
	view := commentView(*cm)
	s.publish(ctx, pinTopic(pin), evCommentCreated, view)
	s.notifyAfter(ctx, store.NotifyComment, author, &pin, p.AuthorID)
	return view, nil
}

// deleteComment deletes one's own comment (the store answers 403 for
// others) and tells the pin's watchers; it returns the comment, whose pin
// a page goes back to.
func (s *server) deleteComment(ctx context.Context, actor, id bson.ObjectID) (*store.Comment, error) {
	cm, err := s.store.DeleteComment(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, pinTopic(cm.PinID), evCommentDeleted, idJSON{ID: id.Hex()})
	return cm, nil
}

// createGroup stores a new group; nobody watches a group, so nothing is
// published.
func (s *server) createGroup(ctx context.Context, owner bson.ObjectID, in store.GroupInput, img store.ImageRef) (*store.GroupView, error) {
	return s.store.CreateGroup(ctx, owner, in, img)
}

// updateGroup changes the group (the store checks ownership).
func (s *server) updateGroup(ctx context.Context, actor, id bson.ObjectID, patch store.GroupPatch) (*store.GroupView, error) {
	return s.store.UpdateGroup(ctx, id, actor, patch)
}

// deleteGroup deletes the group and its pins (the store checks ownership)
// and tells each pin's watchers.
func (s *server) deleteGroup(ctx context.Context, actor, id bson.ObjectID) error {
	pins, err := s.store.DeleteGroup(ctx, id, actor)
	if err != nil {
		return err
	}
	s.publishPinsDeleted(ctx, pins)
	return nil
}
