package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// The account's actions (see actions.go): profile, session, deletion and
// notifications.

// profileChange is what a profile edit changes; nil fields are kept.
type profileChange struct {
	Message *string
	Avatar  *store.ImageRef // already stored (formImage)
}

// updateProfile applies ch to u's profile and returns the user as it is
// afterwards (u itself when ch changes nothing).
func (s *server) updateProfile(ctx context.Context, u *store.User, ch profileChange) (*store.User, error) {
	var err error
	if ch.Message != nil {
		if u, err = s.store.UpdateUserMessage(ctx, u.ID, *ch.Message); err != nil {
			return nil, err
		}
	}
	if ch.Avatar != nil {
		if u, err = s.store.SetUserAvatar(ctx, u.ID, *ch.Avatar); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// The session actions take the request: the session they end is the one
// its token names, and its cookie is the browser's copy of that token.

// logOut revokes the request's token, when it has a valid one (on every
// instance when revocations live in Redis), closes the WebSockets opened
// with it on every instance and clears the cookie. Without a valid
// session only the cookie is cleared: the outcome is the same.
func (s *server) logOut(c *fiber.Ctx) error {
	if st := auth(c); st.user != nil {
		if err := s.tokens.revoke(c.UserContext(), st.session); err != nil {
			return store.Errorf(store.EUnavailable, "Could not sign out; try again.")
		}
		s.disconnect(c.UserContext(), st.user.ID, st.session.JTI)
	}
	s.clearSession(c)
	return nil
}

// deleteAccount deletes u, the request's user, and everything it owns
// once password is confirmed; publishes what the cascade removed; revokes
// the request's token; closes every live connection of the account on
// every instance; and clears the cookie.
func (s *server) deleteAccount(c *fiber.Ctx, u *store.User, password string) error {
	ctx := c.UserContext()
	del, err := s.store.DeleteUser(ctx, u.ID, password)
	if err != nil {
		return err
	}
	s.publishAccountDeleted(ctx, del)
	// The token already fails (its user is gone); revoking it as well
	// costs one write and does not depend on the user cache. The account
	// is gone either way, so a failure is logged, not answered.
	if err := s.tokens.revoke(ctx, auth(c).session); err != nil {
		s.log.Warn("revoke after account deletion", "request_id", requestID(c), "err", err)
	}
	s.disconnect(ctx, u.ID, "")
	s.clearSession(c)
	return nil
}

// markNotificationsRead marks every notification of user read.
func (s *server) markNotificationsRead(ctx context.Context, user bson.ObjectID) error {
	return s.store.MarkNotificationsRead(ctx, user)
}
