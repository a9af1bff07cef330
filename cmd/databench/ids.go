package main

import (
	"encoding/binary"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// idTag keeps the id spaces of the kinds apart: a like and the notification
// it causes share a timestamp and may share a counter value.
type idTag byte

const (
	tagUser idTag = iota + 1
	tagGroup
	tagPin
	tagFollow
	tagComment
	tagLike
	tagBookmark
	tagNotification
)

// makeID builds an ObjectID laid out like a real one — seconds since the
// epoch first, then five "process" bytes, then a counter — so that ids made
// in creation order with non-decreasing times also sort in creation order,
// as the stores' "newest first" lists (ORDER BY id) expect. The process
// bytes hold the kind's tag and two bytes of the seed (so data sets of
// different seeds never share an id); the counter takes the last five
// bytes, enough for 10¹² records of one kind.
func makeID(t time.Time, tag idTag, seedTag uint16, n uint64) bson.ObjectID {
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[0:4], uint32(t.Unix()))
	id[4] = byte(tag)
	binary.BigEndian.PutUint16(id[5:7], seedTag)
	var ctr [8]byte
	binary.BigEndian.PutUint64(ctr[:], n)
	copy(id[7:12], ctr[3:8])
	return id
}
