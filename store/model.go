package store

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// This file holds the domain types shared by the store and its callers.
// Handlers turn them into the JSON shapes of docs/API.md §Shapes.

// ImageRef names an uploaded image stored in GridFS under Key (a content
// hash) with its variants; Width and Height are the original's. The media
// package derives every file name from these fields alone.
type ImageRef struct {
	Key    string `bson:"key"`
	Ext    string `bson:"ext"` // extension of the stored original: jpg or png
	Width  int    `bson:"width"`
	Height int    `bson:"height"`
	// Alpha marks an image with transparency, whose variants are PNG
	// rather than JPEG.
	Alpha bool `bson:"alpha,omitempty"`
}

// IsZero reports whether no image is set.
func (r ImageRef) IsZero() bool { return r.Key == "" }

// User is an account. Email is kept lower-cased.
type User struct {
	ID       bson.ObjectID `bson:"_id"`
	Email    string        `bson:"email"`
	Nickname string        `bson:"nickname"`
	// NicknameKey is the nickname's skeleton (NicknameSkeleton): the
	// unique index on it keeps "Kim", "kim", "ｋｉｍ" and a Cyrillic
	// look-alike from all being taken.
	NicknameKey  string    `bson:"nickname_key"`
	PasswordHash []byte    `bson:"password_hash"`
	Avatar       ImageRef  `bson:"avatar,omitempty"`
	Message      string    `bson:"message"`
	CreatedAt    time.Time `bson:"created_at"`
	// Deleting marks an account whose cascade has started; it is hidden
	// everywhere and the cascade is finished by ResumeDeletions.
	Deleting bool `bson:"deleting,omitempty"`
}

// Card is the public face of a user in lists and on pins and comments.
type Card struct {
	ID       bson.ObjectID
	Nickname string
	Avatar   ImageRef
}

// Card returns the user's card.
func (u *User) Card() Card { return Card{ID: u.ID, Nickname: u.Nickname, Avatar: u.Avatar} }

// NewUser is what sign-up sends.
type NewUser struct {
	Email, Nickname, Password string
}

// Profile is a user as others see it, with counts.
type Profile struct {
	Card
	Message        string
	PinCount       int64
	FollowerCount  int64
	FollowingCount int64
	IsFollowing    bool // the viewer follows this user
}

// FollowState answers a follow or unfollow.
type FollowState struct {
	Following     bool
	FollowerCount int64
	// Revision orders follower-count events of the followee: it grows
	// with every follow or unfollow, and the answer with the highest
	// revision carries the freshest count. 0 when nothing was bumped (a
	// repeated follow).
	Revision int64
}

// Group is a pin group (board): public (everyone sees it and its pins)
// unless Secret, when it exists only for its owner. Image (the cover) is
// optional.
type Group struct {
	ID        bson.ObjectID `bson:"_id"`
	OwnerID   bson.ObjectID `bson:"owner_id"`
	Title     string        `bson:"title"`
	Content   string        `bson:"content"`
	Secret    bool          `bson:"secret"`
	Image     ImageRef      `bson:"image"`
	CreatedAt time.Time     `bson:"created_at"`
	UpdatedAt time.Time     `bson:"updated_at"`
	Deleting  bool          `bson:"deleting,omitempty"`
}

// GroupView is a group with its pin count (pins posted and saved into
// it) and, in lists, the images of its newest pins (at most PreviewPins),
// shown instead of a cover or beside it.
type GroupView struct {
	Group
	PinCount int64
	Previews []ImageRef
}

// PreviewPins is how many of a group's newest pins' images a group list
// carries.
const PreviewPins = 4

// Visible reports whether viewer may see group g: a public group is
// everyone's, a secret one only its owner's.
func (g *Group) Visible(viewer bson.ObjectID) bool { return !g.Secret || g.OwnerID == viewer }

// GroupInput creates a group.
type GroupInput struct {
	Title, Content string
	Secret         bool
}

// GroupPatch changes a group; nil fields are kept.
type GroupPatch struct {
	Title, Content *string
	Secret         *bool
	Image          *ImageRef
}

// Pin is an image with a title and text, in one of its author's groups.
type Pin struct {
	ID        bson.ObjectID `bson:"_id"`
	AuthorID  bson.ObjectID `bson:"author_id"`
	GroupID   bson.ObjectID `bson:"group_id"`
	Title     string        `bson:"title"`
	Content   string        `bson:"content"`
	Image     ImageRef      `bson:"image"`
	CreatedAt time.Time     `bson:"created_at"`
	UpdatedAt time.Time     `bson:"updated_at"`
	Deleting  bool          `bson:"deleting,omitempty"`
}

// PinCounts are recounted from likes, bookmarks, comments and saves.
type PinCounts struct {
	Likes, Bookmarks, Comments, Saves int64
}

// PinView is a pin hydrated for a viewer.
type PinView struct {
	Pin
	Author         Card
	Counts         PinCounts
	LikedByMe      bool
	BookmarkedByMe bool
	// SavedGroupIDs are the viewer's groups the pin was saved into, in id
	// order; empty (never nil) for an anonymous viewer.
	SavedGroupIDs []bson.ObjectID
}

// PinInput creates a pin.
type PinInput struct {
	Title, Content string
	GroupID        bson.ObjectID
}

// PinPatch changes a pin; nil fields are kept (an edit without a new image
// keeps the old one).
type PinPatch struct {
	Title, Content *string
	GroupID        *bson.ObjectID
	Image          *ImageRef
}

// PinQuery selects pins for the grid: all (newest first), optionally
// searched by Query in title and content.
type PinQuery struct {
	Query    string
	AuthorID bson.ObjectID // when set, only this author's pins
}

// LikeState answers a like toggle.
type LikeState struct {
	Liked     bool
	LikeCount int64
	// Revision orders like-count events of the pin: it grows with every
	// like or unlike that changed something, and the answer with the
	// highest revision carries the freshest count. 0 when nothing changed.
	Revision int64
}

// BookmarkState answers a bookmark toggle.
type BookmarkState struct {
	Bookmarked    bool
	BookmarkCount int64
}

// SaveState answers a save or unsave.
type SaveState struct {
	Saved     bool
	SaveCount int64
	GroupID   bson.ObjectID
}

// Save is a pin saved by a user into one of their groups. Its id orders
// the group's additions: a group lists its pins newest addition first.
type Save struct {
	ID        bson.ObjectID `bson:"_id"`
	PinID     bson.ObjectID `bson:"pin_id"`
	GroupID   bson.ObjectID `bson:"group_id"`
	UserID    bson.ObjectID `bson:"user_id"`
	CreatedAt time.Time     `bson:"created_at"`
}

// Comment is a comment on a pin.
type Comment struct {
	ID        bson.ObjectID `bson:"_id"`
	PinID     bson.ObjectID `bson:"pin_id"`
	AuthorID  bson.ObjectID `bson:"author_id"`
	Content   string        `bson:"content"`
	CreatedAt time.Time     `bson:"created_at"`
}

// CommentView is a comment with its author's card.
type CommentView struct {
	Comment
	Author Card
}

// Notification kinds.
const (
	NotifyFollow  = "follow"
	NotifyLike    = "like"
	NotifyComment = "comment"
	NotifyNewPin  = "new_pin"
	NotifySave    = "save"
)

// RenotifyAfter is how long a like or a follow toggled off and on again
// stays silent: the same actor, kind, pin and recipient notify once within
// it (docs/API.md §Counts).
const RenotifyAfter = 24 * time.Hour

// Deduplicated reports whether notifications of kind are sent at most
// once per RenotifyAfter for the same actor, pin and recipient: toggles
// (likes, follows, saves) are; comments and new pins, each a new thing,
// are not.
func Deduplicated(kind string) bool {
	return kind == NotifyLike || kind == NotifyFollow || kind == NotifySave
}

// Notification is persisted per recipient.
type Notification struct {
	ID          bson.ObjectID  `bson:"_id"`
	RecipientID bson.ObjectID  `bson:"recipient_id"`
	Kind        string         `bson:"kind"`
	ActorID     bson.ObjectID  `bson:"actor_id"`
	PinID       *bson.ObjectID `bson:"pin_id,omitempty"`
	Read        bool           `bson:"read"`
	CreatedAt   time.Time      `bson:"created_at"`
}

// PinStub is what a notification shows of its pin.
type PinStub struct {
	ID    bson.ObjectID
	Title string
	Image ImageRef
}

// NotificationView is a notification with its actor and pin hydrated.
type NotificationView struct {
	Notification
	Actor Card
	Pin   *PinStub // nil for follows, or when the pin is gone
}

// Delivery is a notification just created, for the live layer: who gets
// it, what it shows and their unread count after it.
type Delivery struct {
	View        NotificationView
	UnreadCount int64
}

// DeletedAccount is what an account deletion removed that others may be
// watching, for the live events the handlers publish afterwards. It is
// collected from rows the cascade reads anyway, with no extra query.
type DeletedAccount struct {
	// PinIDs are the user's pins (their comments, likes and bookmarks
	// went with them).
	PinIDs []bson.ObjectID
	// Comments are the user's comments on other users' pins.
	Comments []DeletedComment
	// Followees are the users the deleted user followed: each has one
	// follower fewer.
	Followees []bson.ObjectID
}

// DeletedComment names a deleted comment and the pin it was on.
type DeletedComment struct {
	ID    bson.ObjectID
	PinID bson.ObjectID
}

// ImageFile is one stored image file: an original or a variant. Files are
// immutable (their names contain the hash of the upload), so readers share
// them and must not modify Data.
type ImageFile struct {
	Name        string
	ContentType string
	Data        []byte
}

// Now is the time stored for a new record: UTC, to the millisecond, which
// both databases keep exactly.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
