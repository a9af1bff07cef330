package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FindOwnPin returns pin id for actor to edit: ErrNotFound when actor
// may not see it or there is none, ErrForbidden when it is someone else's.
// It is UpdatePin's and DeletePin's rule, asked before the write: for an
// edit form, and before storing an upload that only the author may give
// the pin (else a refused patch would leave an orphan image).
func FindOwnPin(ctx context.Context, s Pins, id, actor bson.ObjectID) (*PinView, error) {
	p, err := s.FindPin(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	if p.AuthorID != actor {
		return nil, ErrForbidden
	}
	return p, nil
}

// FindOwnGroup returns group id for actor to edit, by UpdateGroup's rule:
// ErrNotFound for a group actor may not see (someone else's secret one)
// or none at all, ErrForbidden for someone else's public group.
func FindOwnGroup(ctx context.Context, s Groups, id, actor bson.ObjectID) (*GroupView, error) {
	g, err := s.FindGroup(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	if g.OwnerID != actor {
		return nil, ErrForbidden
	}
	return g, nil
}
