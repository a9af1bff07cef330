// Package store is the domain: users, pins, groups, comments, likes,
// bookmarks, follows and notifications — their types, rules, errors and
// cursors — and the one API every database behind it implements. It knows
// nothing of HTTP.
//
// Two implementations keep the data: sqlitestore (the embedded default, one
// machine) and mongostore (the scaled mode, any number of instances). One
// conformance suite (storetest.Run) holds both to the same rules.
package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Store is the domain's persistence. Every method validates its input and
// checks ownership itself; errors are *Error with a code (errors.go).
type Store interface {
	Users
	Follows
	Groups
	Boards
	Pins
	Reactions
	Comments
	Notifications
	Images
	Tokens

	// ResumeDeletions finishes any cascade a crash interrupted; call it
	// at start-up before serving.
	ResumeDeletions(ctx context.Context) error
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close(ctx context.Context) error
}

// Users are accounts and profiles.
type Users interface {
	CreateUser(ctx context.Context, in NewUser) (*User, error)
	Authenticate(ctx context.Context, email, password string) (*User, error)
	FindUserByID(ctx context.Context, id bson.ObjectID) (*User, error)
	FindCards(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]Card, error)
	FindProfile(ctx context.Context, id, viewer bson.ObjectID) (*Profile, error)
	UpdateUserMessage(ctx context.Context, id bson.ObjectID, message string) (*User, error)
	SetUserAvatar(ctx context.Context, id bson.ObjectID, img ImageRef) (*User, error)
	DeleteUser(ctx context.Context, id bson.ObjectID, password string) (DeletedAccount, error)
}

// Follows are users following users.
type Follows interface {
	Follow(ctx context.Context, follower, followee bson.ObjectID) (FollowState, bool, error)
	Unfollow(ctx context.Context, follower, followee bson.ObjectID) (FollowState, error)
	FindFollowers(ctx context.Context, id bson.ObjectID, p Page) ([]Card, *string, error)
	FindFollowing(ctx context.Context, id bson.ObjectID, p Page) ([]Card, *string, error)
	FollowerCounts(ctx context.Context, ids []bson.ObjectID) (map[bson.ObjectID]int64, error)
}

// Groups are pin groups (boards).
type Groups interface {
	CreateGroup(ctx context.Context, owner bson.ObjectID, in GroupInput, img ImageRef) (*GroupView, error)
	FindGroup(ctx context.Context, id, viewer bson.ObjectID) (*GroupView, error)
	FindGroupsByOwner(ctx context.Context, owner bson.ObjectID) ([]GroupView, error)
	// FindGroupChoices lists owner's groups, newest first, without counts
	// or previews: what a picker (Save, a pin's group) shows.
	FindGroupChoices(ctx context.Context, owner bson.ObjectID) ([]Group, error)
	UpdateGroup(ctx context.Context, id, actor bson.ObjectID, p GroupPatch) (*GroupView, error)
	DeleteGroup(ctx context.Context, id, actor bson.ObjectID) ([]bson.ObjectID, error)
	FindGroupPins(ctx context.Context, id, viewer bson.ObjectID, p Page) ([]PinView, *string, error)
}

// Boards are what make groups Pinterest's boards (docs/API.md §Groups, §Saves): saving any
// visible pin into one's own group, a user's public groups, related pins
// and the searches of people and public groups.
type Boards interface {
	// SetSave saves (on) or unsaves pin into group for user, the group's
	// owner, idempotently: Changed reports whether anything changed. The
	// pin is returned so that the caller can notify its author.
	SetSave(ctx context.Context, pin, group, user bson.ObjectID, on bool) (SaveResult, error)
	// FindUserGroups lists owner's groups newest first: the public ones,
	// or all of them when the viewer is the owner. An unknown owner is
	// ErrNotFound (ListAbout).
	FindUserGroups(ctx context.Context, owner, viewer bson.ObjectID, p Page) ([]GroupView, *string, error)
	// SearchGroups lists public groups whose title words start with every
	// term of q, newest first.
	SearchGroups(ctx context.Context, q string, p Page) ([]GroupView, *string, error)
	// SearchUsers lists users whose nickname starts with q (compared as
	// NicknameSkeleton, so case-insensitively), in nickname order.
	SearchUsers(ctx context.Context, q string, p Page) ([]Card, *string, error)
	// FindRelatedPins lists, for pin, the pins sharing a public group
	// with it (posted or saved), newest first, then the pins sharing a
	// word of its title, newest first; never pin itself, none twice.
	FindRelatedPins(ctx context.Context, pin, viewer bson.ObjectID, p Page) ([]PinView, *string, error)
}

// Pins are the grid, profiles' pins, the feed and search.
type Pins interface {
	CreatePin(ctx context.Context, author bson.ObjectID, in PinInput, img ImageRef) (*PinView, error)
	FindPin(ctx context.Context, id, viewer bson.ObjectID) (*PinView, error)
	UpdatePin(ctx context.Context, id, actor bson.ObjectID, patch PinPatch) (*PinView, error)
	DeletePin(ctx context.Context, id, actor bson.ObjectID) error
	// FindPins lists pins newest first: all, one author's (an unknown
	// author is ErrNotFound, ListAbout), or a search of either.
	FindPins(ctx context.Context, q PinQuery, viewer bson.ObjectID, p Page) ([]PinView, *string, error)
	FindFeed(ctx context.Context, user bson.ObjectID, p Page) ([]PinView, *string, error)
}

// Reactions are likes and bookmarks.
type Reactions interface {
	SetLike(ctx context.Context, pin, user bson.ObjectID, on bool) (LikeResult, error)
	SetBookmark(ctx context.Context, pin, user bson.ObjectID, on bool) (BookmarkResult, error)
	FindBookmarkedPins(ctx context.Context, user bson.ObjectID, p Page) ([]PinView, *string, error)
}

// Comments are comments on pins.
type Comments interface {
	CreateComment(ctx context.Context, pin, author bson.ObjectID, content string) (*CommentView, *Pin, error)
	FindComments(ctx context.Context, pin bson.ObjectID, p Page) ([]CommentView, *string, error)
	DeleteComment(ctx context.Context, id, actor bson.ObjectID) (*Comment, error)
}

// Notifications are persisted per recipient.
type Notifications interface {
	Notify(ctx context.Context, kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients []bson.ObjectID) ([]Delivery, error)
	NotifyFollowers(ctx context.Context, actor, pin bson.ObjectID) ([]Delivery, error)
	FindNotifications(ctx context.Context, recipient bson.ObjectID, p Page) (NotificationPage, error)
	// UnreadCount is FindNotifications' unread count alone (every
	// signed-in page's badge); 0 for an unknown recipient.
	UnreadCount(ctx context.Context, recipient bson.ObjectID) (int64, error)
	MarkNotificationsRead(ctx context.Context, recipient bson.ObjectID) error
}

// SessionUsers is what a store may add to Store: the user behind a
// request read together with their unread count (UnreadCount). The SQLite
// store keeps both in the user's row, so a signed-in page reads them with
// one query where it made two; handlers fall back to FindUserByID and
// UnreadCount for a store without it.
type SessionUsers interface {
	// FindSessionUser is FindUserByID and UnreadCount in one read.
	FindSessionUser(ctx context.Context, id bson.ObjectID) (*User, int64, error)
}

// Images are uploaded image files, named by their content.
type Images interface {
	PutImage(ctx context.Context, files []ImageFile) error
	OpenImage(ctx context.Context, name string) (*ImageFile, error)
}

// Tokens are revoked session tokens, kept so that a log-out survives a
// restart of a single instance.
type Tokens interface {
	RevokeToken(ctx context.Context, jti string, until time.Time) error
	RevokedTokens(ctx context.Context) (map[string]time.Time, error)
}

// SharedCache is implemented by stores whose caches other instances must
// hear about: every local invalidation is handed to the function given to
// OnInvalidate (to broadcast), and ApplyInvalidation drops keys another
// instance invalidated.
type SharedCache interface {
	OnInvalidate(fn func(keys []string))
	ApplyInvalidation(keys []string)
}
