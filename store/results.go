package store

// The answers of the store's toggles and of the notification list, as
// structs with named fields rather than long tuples, so that a caller
// reads res.Changed instead of counting positions.

// LikeResult answers SetLike.
type LikeResult struct {
	State LikeState
	// Changed reports whether this call changed anything; a repeat
	// does not, and its caller neither publishes nor notifies again.
	Changed bool
	// Pin is the pin liked or unliked, whose author a new like notifies.
	Pin *Pin
}

// BookmarkResult answers SetBookmark.
type BookmarkResult struct {
	State BookmarkState
	// Changed reports whether this call changed anything.
	Changed bool
	// Pin is the pin bookmarked or unbookmarked.
	Pin *Pin
}

// SaveResult answers SetSave.
type SaveResult struct {
	State SaveState
	// Changed reports whether this call changed anything.
	Changed bool
	// Pin is the pin saved or unsaved, whose author a new save notifies.
	Pin *Pin
}

// NotificationPage answers FindNotifications: one page, newest first,
// with the recipient's unread count, so that a badge and a list come from
// one call.
type NotificationPage struct {
	Items  []NotificationView
	Unread int64
	// Next is the cursor of the next page; nil on the last one.
	Next *string
}
