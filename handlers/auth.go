package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// sessionCookie carries the token for browsers; API clients may send it
// as a Bearer token instead.
const sessionCookie = "session"

// authState is what authenticate leaves in the request locals.
type authState struct {
	user    *store.User
	session session
	err     error // why a presented token was refused; nil when none was sent
	// unread is the user's unread count when the store read it along
	// with the user (store.SessionUsers); -1 when it did not.
	unread int64
}

type authKey struct{}

// authenticate reads the token from the Authorization header or the
// session cookie and, when it is valid, loads its user. It never fails the
// request itself: public endpoints serve a refused token as anonymous, and
// requireUser turns the refusal into a 401 where a user is needed.
//
// The user is loaded on every request, so that the tokens of a deleted
// account stop working at once.
func (s *server) authenticate(c *fiber.Ctx) error {
	st := &authState{unread: -1}
	c.Locals(authKey{}, st)
	// A cookie rides along on cross-site requests too; refuseCrossSite
	// and the CSRF token have already turned those away.
	var sess session
	var err error
	if raw := parseBearer(c.Get(fiber.HeaderAuthorization)); raw != "" {
		sess, err = s.tokens.verify(c.UserContext(), raw)
	} else if c.Cookies(sessionCookie) == "" {
		return c.Next()
	} else if claims, ok := signedCookie(c, s.tokens.signed); ok {
		sess, err = s.tokens.check(c.UserContext(), claims)
	} else {
		err = errSignedOut
	}
	if err != nil {
		st.err = err
		return c.Next()
	}
	id, err := bson.ObjectIDFromHex(sess.UserID)
	if err != nil {
		st.err = errSignedOut
		return c.Next()
	}
	u, unread, err := findSessionUser(c.UserContext(), s.store, id)
	switch {
	case store.ErrorCode(err) == store.ENotFound:
		st.err = errSignedOut
	case err != nil:
		return err
	default:
		st.user, st.session, st.unread = u, sess, unread
	}
	return c.Next()
}

// findSessionUser reads the user behind a request, with their unread
// count when the store reads both at once (-1 when it does not: a page
// asks for it then, an API request never needs it).
func findSessionUser(ctx context.Context, st store.Store, id bson.ObjectID) (*store.User, int64, error) {
	if su, ok := st.(store.SessionUsers); ok {
		return su.FindSessionUser(ctx, id)
	}
	u, err := st.FindUserByID(ctx, id)
	return u, -1, err
}

func auth(c *fiber.Ctx) *authState {
	if st, ok := c.Locals(authKey{}).(*authState); ok {
		return st
	}
	return &authState{}
}

// viewer returns the signed-in user's id, or NilObjectID for anonymous
// visitors (what the store expects for "nobody").
func viewer(c *fiber.Ctx) bson.ObjectID {
	if u := auth(c).user; u != nil {
		return u.ID
	}
	return bson.NilObjectID
}

// requireUser returns the signed-in user, or the error that explains why
// there is none (401 in the usual case).
func requireUser(c *fiber.Ctx) (*store.User, error) {
	st := auth(c)
	if st.user != nil {
		return st.user, nil
	}
	if st.err != nil {
		return nil, st.err
	}
	return nil, errSignedOut
}

// userAndID returns the signed-in user and the :id route parameter.
func userAndID(c *fiber.Ctx) (*store.User, bson.ObjectID, error) {
	u, err := requireUser(c)
	if err != nil {
		return nil, bson.NilObjectID, err
	}
	id, err := idParam(c, "id")
	return u, id, err
}

type signupRequest struct {
	Email    string `json:"email"`
	Nickname string `json:"nickname"`
	Password string `json:"password"`
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// sessionJSON answers sign-up and log-in.
type sessionJSON struct {
	User  selfJSON `json:"user"`
	Token string   `json:"token"`
}

func (s *server) handleSignup(c *fiber.Ctx) error {
	var req signupRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.store.CreateUser(c.UserContext(), store.NewUser{Email: req.Email, Nickname: req.Nickname, Password: req.Password})
	if err != nil {
		return err
	}
	return s.startSession(c, u, http.StatusCreated)
}

func (s *server) handleLogin(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.store.Authenticate(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	return s.startSession(c, u, http.StatusOK)
}

// startSession issues a token, sets it as the session cookie and answers
// {user, token}.
func (s *server) startSession(c *fiber.Ctx, u *store.User, status int) error {
	tok, err := s.beginSession(c, u)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(sessionJSON{User: selfView(u), Token: tok})
}

// beginSession issues a token for u and sets it as the session cookie; the
// API's log-in and the pages' share it.
func (s *server) beginSession(c *fiber.Ctx, u *store.User) (string, error) {
	tok, err := s.tokens.issue(u.ID.Hex())
	if err != nil {
		return "", err
	}
	s.setSessionCookie(c, tok, int(s.cfg.TokenTTL/time.Second), time.Now().Add(s.cfg.TokenTTL))
	return tok, nil
}

// setSessionCookie sets the session cookie. Every log-in (API and pages)
// and every log-out goes through it, so the cookie's attributes cannot
// drift apart; only the value and the lifetime differ.
func (s *server) setSessionCookie(c *fiber.Ctx, value string, maxAge int, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Expires:  expires,
		Secure:   s.cfg.CookieSecure,
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// handleLogout ends the request's session (see logOut). Logging out
// without a valid session is still a 204: the outcome is the same.
func (s *server) handleLogout(c *fiber.Ctx) error {
	if err := s.logOut(c); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// clearSession tells the browser to drop the session cookie.
func (s *server) clearSession(c *fiber.Ctx) {
	s.setSessionCookie(c, "", -1, time.Unix(0, 0))
}

func (s *server) handleMe(c *fiber.Ctx) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	return c.JSON(selfView(u))
}
