package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Page sizes for every list (docs/API.md §Lists).
const (
	DefaultLimit = 24
	MaxLimit     = 100
)

// A cursor is base64url (unpadded, canonical) of
//
//	version (1 byte) | ObjectID (12 bytes) | HMAC-SHA256 truncated to 16 bytes
//
// where the HMAC, keyed with Options.CursorKey, covers the version, the id
// and the scope: the name of the list and its parameters ("pins",
// "pins?q=cat", "author:<id>", "comments:<pin>"…). The scope is not in the
// cursor, so a cursor is only accepted by the very list that issued it,
// and only by a store holding the same key.
const (
	cursorVersion = 1
	cursorIDLen   = len(bson.ObjectID{})
	cursorMACLen  = 16
	cursorLen     = 1 + cursorIDLen + cursorMACLen
)

// cursorEncoding is strict so that every cursor has a single spelling:
// changing any character changes the bytes (and fails the HMAC).
var cursorEncoding = base64.RawURLEncoding.Strict()

// ListScope binds cursors to one list: the store's key and the list's
// scope string.
type ListScope struct {
	Key  []byte
	Name string
}

// NewCursorKey returns a random key, for a store opened without one.
func NewCursorKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return k
}

// mac returns the truncated HMAC of version|id|scope.
func (sc ListScope) mac(id bson.ObjectID) []byte {
	h := hmac.New(sha256.New, sc.Key)
	h.Write([]byte{cursorVersion})
	h.Write(id[:])
	h.Write([]byte(sc.Name))
	return h.Sum(nil)[:cursorMACLen]
}

// Page asks for one page of a list: items after Cursor (an opaque string
// from a previous answer, or empty for the first page), at most Limit.
type Page struct {
	Cursor string
	Limit  int
}

// Decode clamps the limit and decodes the cursor; a cursor this store
// did not issue for the list sc is a malformed request.
func (p Page) Decode(sc ListScope) (after bson.ObjectID, limit int, err error) {
	limit = p.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	if p.Cursor == "" {
		return bson.NilObjectID, limit, nil
	}
	// The length check comes first: the decoder skips \r and \n even in
	// strict mode, which would give one cursor many spellings.
	if len(p.Cursor) != cursorEncoding.EncodedLen(cursorLen) {
		return bson.NilObjectID, 0, Errorf(EMalformed, "Unknown cursor.")
	}
	raw, derr := cursorEncoding.DecodeString(p.Cursor)
	if derr != nil || len(raw) != cursorLen || raw[0] != cursorVersion {
		return bson.NilObjectID, 0, Errorf(EMalformed, "Unknown cursor.")
	}
	id := bson.ObjectID(raw[1 : 1+cursorIDLen])
	if !hmac.Equal(raw[1+cursorIDLen:], sc.mac(id)) {
		return bson.NilObjectID, 0, Errorf(EMalformed, "Unknown cursor.")
	}
	return id, limit, nil
}

// EncodeCursor makes the cursor that continues list sc after id.
func EncodeCursor(sc ListScope, id bson.ObjectID) string {
	raw := make([]byte, 0, cursorLen)
	raw = append(raw, cursorVersion)
	raw = append(raw, id[:]...)
	raw = append(raw, sc.mac(id)...)
	return cursorEncoding.EncodeToString(raw)
}

// NextCursor returns the cursor of list sc for the page after items when
// the query fetched limit+1 rows (more exist), and trims the extra row.
func NextCursor[T any](sc ListScope, items []T, limit int, id func(T) bson.ObjectID) ([]T, *string) {
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	c := EncodeCursor(sc, id(items[limit-1]))
	return items, &c
}

// ParseID parses an ObjectID hex string; anything else is not found (a
// malformed id names nothing, like an unknown one).
func ParseID(s string) (bson.ObjectID, error) {
	id, err := bson.ObjectIDFromHex(s)
	if err != nil {
		return bson.NilObjectID, ErrNotFound
	}
	return id, nil
}
