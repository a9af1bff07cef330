package mongostore

import (
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Every key of the store's cache (cache.go) is built here, and nowhere
// else. The keys leave the process: invalidations travel between
// instances as JSON arrays of them (cmd/mypinterest/invalidation.go), so
// during a rolling deploy instances of two versions must build the same
// strings. Change one only on purpose; TestCacheKeysAreStable pins them.

// Keys of one cached value each.

// userKey holds a store.User (FindUserByID).
func userKey(id bson.ObjectID) string { return "user:" + id.Hex() }

// cardKey holds a user's store.Card (FindCards).
func cardKey(id bson.ObjectID) string { return "card:" + id.Hex() }

// userCountsKey holds a user's userCounts (FindProfile).
func userCountsKey(id bson.ObjectID) string { return "uc:" + id.Hex() }

// pinKey holds a store.Pin (loadPin, pinsByID).
func pinKey(id bson.ObjectID) string { return "pin:" + id.Hex() }

// pinCountsKey holds a pin's store.PinCounts (pinCounts).
func pinCountsKey(id bson.ObjectID) string { return "pc:" + id.Hex() }

// firstCommentsKey holds the first page of a pin's comments.
func firstCommentsKey(pin bson.ObjectID) string { return "cm:" + pin.Hex() }

// groupKey holds a store.Group (loadGroup).
func groupKey(id bson.ObjectID) string { return "group:" + id.Hex() }

// groupPinCountKey holds how many pins a group shows (groupPinCounts).
func groupPinCountKey(id bson.ObjectID) string { return "gc:" + id.Hex() }

// ownerGroupsKey holds an owner's group documents (ownerGroups).
func ownerGroupsKey(owner bson.ObjectID) string { return "og:" + owner.Hex() }

// firstPinsKey holds the ids of the grid's first page (firstPins).
const firstPinsKey = "first:pins"

// authorFirstPinsKey holds the ids of a profile's first page of pins.
func authorFirstPinsKey(author bson.ObjectID) string { return "first:author:" + author.Hex() }

// The keys a kind of write makes stale, where several writes share them.

// userKeys are the keys that show a user.
func userKeys(id bson.ObjectID) []string {
	return []string{userKey(id), cardKey(id), userCountsKey(id)}
}

// pinKeys are the keys that show pin p (its id, author and group), all
// stale when it comes or goes.
func pinKeys(p store.Pin) []string {
	return []string{pinKey(p.ID), pinCountsKey(p.ID), firstCommentsKey(p.ID), userCountsKey(p.AuthorID),
		authorFirstPinsKey(p.AuthorID), groupPinCountKey(p.GroupID)}
}

// commentKeys are the keys a comment on pin changes: its count, its first page.
func commentKeys(pin bson.ObjectID) []string {
	return []string{pinCountsKey(pin), firstCommentsKey(pin)}
}

// saveKeys are the keys a save of pin into group changes: both counts.
func saveKeys(pin, group bson.ObjectID) []string {
	return []string{pinCountsKey(pin), groupPinCountKey(group)}
}

// followKeys are the keys a follow changes: both users' counts.
func followKeys(follower, followee bson.ObjectID) []string {
	return []string{userCountsKey(follower), userCountsKey(followee)}
}
