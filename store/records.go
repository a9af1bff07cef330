package store

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The records a store writes for a new user, group, pin or batch of
// notifications, built and checked here once so that both stores apply
// the same rules; a store adds only what needs its database (unique
// emails and nicknames, whose group a pin goes into).

// NewUserRecord normalizes and validates a sign-up, hashes its password
// and returns the user to insert.
func NewUserRecord(in NewUser, opts Options) (*User, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Nickname = NormalizeNickname(in.Nickname)
	if err := in.Validate(opts.AllowedEmailDomains); err != nil {
		return nil, err
	}
	hash, err := HashPassword(opts.PasswordCost, in.Password)
	if err != nil {
		return nil, err
	}
	return &User{
		ID:           bson.NewObjectID(),
		Email:        in.Email,
		Nickname:     in.Nickname,
		NicknameKey:  NicknameSkeleton(in.Nickname),
		PasswordHash: hash,
		CreatedAt:    Now(),
	}, nil
}

// NewGroupRecord validates a new group of owner and returns it.
func NewGroupRecord(owner bson.ObjectID, in GroupInput, img ImageRef) (Group, error) {
	now := Now()
	g := Group{ID: bson.NewObjectID(), OwnerID: owner, Title: strings.TrimSpace(in.Title),
		Content: strings.TrimSpace(in.Content), Secret: in.Secret, Image: img, CreatedAt: now, UpdatedAt: now}
	f := Fields{}
	// The cover is optional: a group without one shows its pins.
	checkWords(f, g.Title, g.Content)
	return g, f.Err()
}

// NewPinRecord returns a new pin of author and records in f why its
// fields are refused; the store adds whether the group is author's own.
func NewPinRecord(author bson.ObjectID, in PinInput, img ImageRef, f Fields) Pin {
	now := Now()
	p := Pin{ID: bson.NewObjectID(), AuthorID: author, GroupID: in.GroupID, Title: strings.TrimSpace(in.Title),
		Content: strings.TrimSpace(in.Content), Image: img, CreatedAt: now, UpdatedAt: now}
	checkText(f, p.Title, p.Content, img)
	if in.GroupID.IsZero() {
		f.Add("group_id", Reason{Code: ReasonRequired})
	}
	return p
}

// checkText records the rules of a new group's or pin's title, content
// and image.
func checkText(f Fields, title, content string, img ImageRef) {
	checkWords(f, title, content)
	if img.IsZero() {
		f.Add("image", Reason{Code: ReasonRequired})
	}
}

// checkWords records the rules of a title and a content.
func checkWords(f Fields, title, content string) {
	LimitRunes(f, "title", title, true, MaxTitleRunes)
	LimitRunes(f, "content", content, false, MaxContentRunes)
}

// NewNotifications returns one notification of kind by actor (about pin,
// if any) per distinct recipient, never to the actor themselves.
func NewNotifications(kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients []bson.ObjectID) ([]Notification, error) {
	switch kind {
	case NotifyFollow, NotifyLike, NotifyComment, NotifyNewPin, NotifySave:
	default:
		return nil, Errorf(EInternal, "Unknown notification kind %q.", kind)
	}
	seen := make(map[bson.ObjectID]bool, len(recipients))
	now := Now()
	var notes []Notification
	for _, r := range recipients {
		if r == actor || r.IsZero() || seen[r] {
			continue
		}
		seen[r] = true
		notes = append(notes, Notification{ID: bson.NewObjectID(), RecipientID: r, Kind: kind,
			ActorID: actor, PinID: pin, CreatedAt: now})
	}
	return notes, nil
}
