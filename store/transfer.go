package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Moving data between stores (the embedded SQLite into a MongoDB, a
// FerretDB-era DATA_DIR into SQLite) and loading it in bulk (the seeder)
// go through Transfer: every record with its id and times, nothing
// recomputed but the counts each store derives itself.

// Kind names one kind of record.
type Kind string

// Record kinds, in the order a copy must write them: every record refers
// only to records of kinds before it.
const (
	KindImages        Kind = "images"
	KindUsers         Kind = "users"
	KindGroups        Kind = "groups"
	KindPins          Kind = "pins"
	KindFollows       Kind = "follows"
	KindComments      Kind = "comments"
	KindLikes         Kind = "likes"
	KindBookmarks     Kind = "bookmarks"
	KindSaves         Kind = "saves"
	KindNotifications Kind = "notifications"
)

// Kinds lists every kind in copy order.
var Kinds = []Kind{KindImages, KindUsers, KindGroups, KindPins, KindFollows,
	KindComments, KindLikes, KindBookmarks, KindSaves, KindNotifications}

// FollowEdge is one user following another.
type FollowEdge struct {
	ID         bson.ObjectID `bson:"_id"`
	FollowerID bson.ObjectID `bson:"follower_id"`
	FolloweeID bson.ObjectID `bson:"followee_id"`
	CreatedAt  time.Time     `bson:"created_at"`
}

// Reaction is a like or a bookmark of a user on a pin.
type Reaction struct {
	ID        bson.ObjectID `bson:"_id"`
	PinID     bson.ObjectID `bson:"pin_id"`
	UserID    bson.ObjectID `bson:"user_id"`
	CreatedAt time.Time     `bson:"created_at"`
}

// Batch holds records of one kind; only the slice of its Kind is used.
type Batch struct {
	Kind          Kind
	Images        []ImageFile
	Users         []User
	Groups        []Group
	Pins          []Pin
	Follows       []FollowEdge
	Comments      []Comment
	Likes         []Reaction
	Bookmarks     []Reaction
	Saves         []Save
	Notifications []Notification
	// Next is the key of the last record in the batch (an id's hex, an
	// image's name), to pass as after for the next one; "" at the end.
	Next string
}

// Len is the number of records in b.
func (b *Batch) Len() int {
	return len(b.Images) + len(b.Users) + len(b.Groups) + len(b.Pins) + len(b.Follows) +
		len(b.Comments) + len(b.Likes) + len(b.Bookmarks) + len(b.Saves) + len(b.Notifications)
}

// Transfer reads and writes whole records, ids and times kept.
type Transfer interface {
	// Export returns up to limit live records of kind whose key is after
	// after ("" = from the start), in key order. Records of a cascade
	// under way are left out.
	Export(ctx context.Context, kind Kind, after string, limit int) (Batch, error)
	// Import writes b's records as they are. A record whose id is already
	// there is left alone, so an interrupted copy can simply run again.
	// Records must come in Kinds order (a pin after its group).
	Import(ctx context.Context, b Batch) error
	// Count returns how many live records of kind the store holds.
	Count(ctx context.Context, kind Kind) (int64, error)
}

// Optimizer is a Transfer whose indexes are worth reorganizing once a bulk
// import is over (the SQLite store merges its full-text index into one
// segment: an import leaves many, and every search term is sought in
// each). Copy and the benchmark's seed call it at the end.
type Optimizer interface {
	Optimize(ctx context.Context) error
}
