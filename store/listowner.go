package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ListAbout runs list, a page of a list about one user (the user's pins,
// the user's groups), and applies the list's existence rule: an unknown or
// deleted user is ErrNotFound, not an empty list. findUser is asked only
// when the first page came back empty, so a list with items costs no
// extra lookup. A zero user (the whole grid) has no such rule.
func ListAbout[T any](ctx context.Context, user bson.ObjectID, p Page, findUser func(context.Context, bson.ObjectID) (*User, error), list func() ([]T, *string, error)) ([]T, *string, error) {
	items, next, err := list()
	if err == nil && len(items) == 0 && p.Cursor == "" && !user.IsZero() {
		_, err = findUser(ctx, user)
	}
	if err != nil {
		return nil, nil, err
	}
	return items, next, nil
}
