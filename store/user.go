package store

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/text/unicode/norm"
)

// Limits on user fields (SPEC §3).
const (
	MaxEmailLength    = 100
	MaxNicknameLength = 10
	MaxMessageLength  = 100
)

// errWrongLogin is the one answer to every failed log-in, so that it does
// not reveal whether an account exists.
var errWrongLogin = &Error{Code: EUnauthorized, Message: "Wrong email or password."}

// NormalizeEmail trims and lower-cases an email: emails are unique and
// looked up case-insensitively.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// normalizeNickname trims the nickname and composes it (NFC), so that a
// Hangul syllable typed as separate jamo is the same nickname and counts
// as one character.
func normalizeNickname(nickname string) string {
	return norm.NFC.String(strings.TrimSpace(nickname))
}

// Validate checks a sign-up, expecting Email and Nickname already
// normalized, and returns every broken rule at once.
func (u NewUser) Validate(allowedDomains []string) error {
	f := Fields{}
	checkEmail(f, u.Email, allowedDomains)
	checkNickname(f, u.Nickname)
	checkPassword(f, u.Password, u.Email, u.Nickname)
	return f.Err()
}

func checkEmail(f Fields, email string, allowedDomains []string) {
	if email == "" {
		f.Add("email", "Enter your email.")
		return
	}
	if len(email) > MaxEmailLength {
		f.Add("email", "Use at most 100 characters.")
		return
	}
	// net/mail accepts display names, comments and quoted local parts;
	// requiring the parsed address to equal the input refuses those.
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Name != "" || addr.Address != email || at < 1 ||
		strings.ContainsFunc(email, unicode.IsSpace) || !validDomain(email[at+1:]) {
		f.Add("email", "Enter a valid email address.")
		return
	}
	if len(allowedDomains) == 0 {
		return
	}
	domain := email[at+1:]
	for _, d := range allowedDomains {
		if strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@")) == domain {
			return
		}
	}
	f.Add("email", "Sign-up is limited to: "+strings.Join(allowedDomains, ", ")+".")
}

// validDomain requires at least two non-empty dot-separated labels, which
// net/mail alone does not ("a@localhost" parses).
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

func checkNickname(f Fields, nickname string) {
	n := utf8.RuneCountInString(nickname)
	switch {
	case n == 0:
		f.Add("nickname", "Enter a nickname.")
	case n > MaxNicknameLength:
		f.Add("nickname", "Use at most 10 characters.")
	case strings.IndexFunc(nickname, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0:
		f.Add("nickname", "Use letters and digits only.")
	}
}

// CreateUser validates a sign-up, hashes the password and stores the user.
// A taken email or nickname is EConflict naming the field; the unique
// indexes decide, so two concurrent sign-ups cannot both win.
func (s *Store) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Nickname = normalizeNickname(in.Nickname)
	if err := in.Validate(s.opts.AllowedEmailDomains); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{
		ID:           bson.NewObjectID(),
		Email:        in.Email,
		Nickname:     in.Nickname,
		NicknameKey:  strings.ToLower(in.Nickname),
		PasswordHash: hash,
		CreatedAt:    msNow(),
	}
	if _, err := s.users.InsertOne(ctx, u); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, s.duplicateUser(ctx, u, err)
		}
		return nil, err
	}
	return u, nil
}

// duplicateUser names the field a failed insert collided on. FerretDB's
// duplicate-key message does not name the index, so look the owners up.
func (s *Store) duplicateUser(ctx context.Context, u *User, dupErr error) error {
	conflict := &Error{Code: EConflict, Message: "Already taken.", Fields: map[string]string{}}
	cur, err := s.users.Find(ctx,
		bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "email", Value: u.Email}},
			bson.D{{Key: "nickname_key", Value: u.NicknameKey}},
		}}},
		options.Find().SetProjection(bson.D{{Key: "email", Value: 1}, {Key: "nickname_key", Value: 1}}))
	if err == nil {
		var taken []User
		if err = cur.All(ctx, &taken); err == nil {
			for _, t := range taken {
				if t.Email == u.Email {
					conflict.Fields["email"] = "This email is already registered."
				}
				if t.NicknameKey == u.NicknameKey {
					conflict.Fields["nickname"] = "This nickname is taken."
				}
			}
		}
	}
	if len(conflict.Fields) == 0 {
		// The other account went away meanwhile; MongoDB names the index.
		if strings.Contains(dupErr.Error(), "nickname_key") {
			conflict.Fields["nickname"] = "This nickname is taken."
		} else {
			conflict.Fields["email"] = "This email is already registered."
		}
	}
	return conflict
}

// Authenticate returns the user with this email and password. Every
// mismatch is the same EUnauthorized error and costs one bcrypt
// comparison, so neither the answer nor its timing reveals an account.
func (s *Store) Authenticate(ctx context.Context, email, password string) (*User, error) {
	var u User
	err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: NormalizeEmail(email)}, skipDeleting}).Decode(&u)
	if errors.Is(err, mongo.ErrNoDocuments) {
		passwordMatches(s.dummyHash(), password)
		return nil, errWrongLogin
	}
	if err != nil {
		return nil, err
	}
	if !passwordMatches(u.PasswordHash, password) {
		return nil, errWrongLogin
	}
	return &u, nil
}

// FindUserByID returns the user, cached under user:<id>. Deleting users
// are not found.
func (s *Store) FindUserByID(ctx context.Context, id bson.ObjectID) (*User, error) {
	u, err := cached(s.cache, "user:"+id.Hex(), func() (User, error) {
		var u User
		err := s.users.FindOne(ctx, bson.D{{Key: "_id", Value: id}, skipDeleting}).Decode(&u)
		return u, mapErr(err)
	})
	if err != nil {
		return nil, err
	}
	// A copy: callers must not be able to change the cached value.
	return &u, nil
}

// UpdateUserMessage sets the profile message (at most 100 characters).
func (s *Store) UpdateUserMessage(ctx context.Context, id bson.ObjectID, message string) (*User, error) {
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > MaxMessageLength {
		return nil, FieldError("message", "Use at most 100 characters.")
	}
	return s.updateUser(ctx, id, bson.D{{Key: "message", Value: message}})
}

// SetUserAvatar sets the avatar image (already stored by PutImage).
func (s *Store) SetUserAvatar(ctx context.Context, id bson.ObjectID, img ImageRef) (*User, error) {
	return s.updateUser(ctx, id, bson.D{{Key: "avatar", Value: img}})
}

// updateUser applies set to a live user and returns the user after it.
func (s *Store) updateUser(ctx context.Context, id bson.ObjectID, set bson.D) (*User, error) {
	var u User
	err := s.users.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, skipDeleting},
		bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&u)
	if err != nil {
		return nil, mapErr(err)
	}
	s.invalidate("user:"+id.Hex(), "card:"+id.Hex())
	return &u, nil
}

// userCounts is what uc:<id> caches.
type userCounts struct {
	Pins, Followers, Following int64
}

// FindProfile returns a user as others see it. The user document and its
// counts are cached, so a warm profile costs one query (is_following) for
// a signed-in viewer and none for an anonymous one, however many
// followers the user has.
func (s *Store) FindProfile(ctx context.Context, id, viewer bson.ObjectID) (*Profile, error) {
	u, err := s.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := cached(s.cache, "uc:"+id.Hex(), func() (userCounts, error) { return s.countUser(ctx, id) })
	if err != nil {
		return nil, err
	}
	p := &Profile{
		Card:           u.Card(),
		Message:        u.Message,
		PinCount:       c.Pins,
		FollowerCount:  c.Followers,
		FollowingCount: c.Following,
	}
	if viewer != bson.NilObjectID && viewer != id {
		err := s.follows.FindOne(ctx,
			bson.D{{Key: "follower_id", Value: viewer}, {Key: "followee_id", Value: id}},
			options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, err
		}
		p.IsFollowing = err == nil
	}
	return p, nil
}

// countUser recounts a user's pins, followers and following.
func (s *Store) countUser(ctx context.Context, id bson.ObjectID) (userCounts, error) {
	var c userCounts
	var err error
	if c.Pins, err = aggregateCount(ctx, s.pins, bson.D{{Key: "author_id", Value: id}, skipDeleting}); err != nil {
		return c, err
	}
	if c.Followers, err = aggregateCount(ctx, s.follows, bson.D{{Key: "followee_id", Value: id}}); err != nil {
		return c, err
	}
	c.Following, err = aggregateCount(ctx, s.follows, bson.D{{Key: "follower_id", Value: id}})
	return c, err
}

// aggregateCount counts the documents of coll matching match with one
// $match/$group/$sum pipeline (SPEC: counts come from aggregations).
func aggregateCount(ctx context.Context, coll *mongo.Collection, match bson.D) (int64, error) {
	cur, err := coll.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return 0, err
	}
	var rows []struct {
		N int64 `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].N, nil
}
