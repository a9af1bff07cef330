package store

import (
	"encoding/base64"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Page sizes for every list (SPEC §3).
const (
	DefaultLimit = 24
	MaxLimit     = 100
)

const cursorPrefix = "c1."

// Page asks for one page of a list: items after Cursor (an opaque string
// from a previous answer, or empty for the first page), at most Limit.
type Page struct {
	Cursor string
	Limit  int
}

// normalize clamps the limit and decodes the cursor; a cursor this package
// did not issue is a malformed request.
func (p Page) normalize() (after bson.ObjectID, limit int, err error) {
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
	raw, derr := base64.RawURLEncoding.DecodeString(p.Cursor)
	if derr != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return bson.NilObjectID, 0, Errorf(EMalformed, "Unknown cursor.")
	}
	id, perr := bson.ObjectIDFromHex(strings.TrimPrefix(string(raw), cursorPrefix))
	if perr != nil {
		return bson.NilObjectID, 0, Errorf(EMalformed, "Unknown cursor.")
	}
	return id, limit, nil
}

// encodeCursor makes the cursor that continues after id.
func encodeCursor(id bson.ObjectID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id.Hex()))
}

// nextCursor returns the cursor for the page after ids when the query
// fetched limit+1 rows (more exist), and trims the extra row.
func nextCursor[T any](items []T, limit int, id func(T) bson.ObjectID) ([]T, *string) {
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	c := encodeCursor(id(items[limit-1]))
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
