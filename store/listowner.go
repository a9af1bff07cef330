package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CheckListOwner applies the existence rule of a list about one user (a
// user's pins, a user's groups): an unknown or deleted user is
// ErrNotFound, not an empty list. It asks findUser only when the first
// page came back empty, so a list with items costs no extra lookup.
func CheckListOwner(ctx context.Context, n int, p Page, user bson.ObjectID, findUser func(context.Context, bson.ObjectID) (*User, error)) error {
	if n > 0 || p.Cursor != "" || user.IsZero() {
		return nil
	}
	_, err := findUser(ctx, user)
	return err
}
