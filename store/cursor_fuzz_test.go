package store

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzPageDecode feeds arbitrary cursors and limits to Page.Decode. Nothing
// may panic; the limit always comes back within 1..MaxLimit; a cursor is
// accepted only when it is exactly the one this list issued for its id
// (one spelling per cursor, bound to the key and the list), and every
// failure is a malformed request. Seeds: testdata/fuzz/FuzzPageDecode.
func FuzzPageDecode(f *testing.F) {
	key := []byte("fuzz-cursor-key-0123456789abcdef")
	sc := ListScope{Key: key, Name: "pins"}
	valid := EncodeCursor(sc, bson.ObjectID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add(valid, 24)
	f.Add(valid+"A", 0)
	f.Add(EncodeCursor(ListScope{Key: key, Name: "comments:x"}, bson.NilObjectID), 500)
	f.Add("", -3)
	f.Add("AQ", 1)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		after, n, err := Page{Cursor: cursor, Limit: limit}.Decode(sc)
		if err != nil {
			if ErrorCode(err) != EMalformed {
				t.Fatalf("error %v is not malformed", err)
			}
			return
		}
		if n < 1 || n > MaxLimit {
			t.Fatalf("limit %d out of 1..%d", n, MaxLimit)
		}
		if cursor == "" {
			if after != bson.NilObjectID {
				t.Fatalf("no cursor decoded to %v", after)
			}
			return
		}
		if EncodeCursor(sc, after) != cursor {
			t.Fatalf("accepted %q, which is not the cursor issued for %v", cursor, after)
		}
		if _, _, err := (Page{Cursor: cursor}).Decode(ListScope{Key: key, Name: "pins?q=x"}); err == nil {
			t.Fatalf("%q accepted by another list", cursor)
		}
	})
}
