package mongostore

import (
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// sizeOf approximates the bytes a cached value holds: its struct and the
// strings and slices it points to. Exactness does not matter; the cache
// bound must only grow with what is really kept, long texts included.
func sizeOf(v any) int64 {
	const word = 8
	switch v := v.(type) {
	case store.Pin:
		return pinSize(v)
	case store.User:
		return 160 + int64(len(v.Email)+len(v.Nickname)+len(v.NicknameKey)+len(v.PasswordHash)+len(v.Message)) + imageSize(v.Avatar)
	case store.Card:
		return 64 + int64(len(v.Nickname)) + imageSize(v.Avatar)
	case store.Group:
		return groupSize(v)
	case []store.Group:
		n := int64(3 * word)
		for _, g := range v {
			n += groupSize(g)
		}
		return n
	case []store.Comment:
		n := int64(3 * word)
		for _, c := range v {
			n += 96 + int64(len(c.Content))
		}
		return n
	case []bson.ObjectID:
		return 3*word + int64(cap(v))*int64(len(bson.ObjectID{}))
	case store.PinCounts, userCounts, int64:
		return 4 * word
	}
	return 256 // anything else: a guess, better than nothing
}

func pinSize(p store.Pin) int64 {
	return 160 + int64(len(p.Title)+len(p.Content)) + imageSize(p.Image)
}

func groupSize(g store.Group) int64 {
	return 160 + int64(len(g.Title)+len(g.Content)) + imageSize(g.Image)
}

func imageSize(r store.ImageRef) int64 { return int64(len(r.Key) + len(r.Ext)) }
