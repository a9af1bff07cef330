package sqlitestore

import (
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// A list of pins (or notifications) reads each row as one value that SQLite
// packs with concat() instead of one column per field. The driver costs
// most per value, not per byte: every column is a type call and a value
// call, each entering the connection's mutex, and a boxed driver.Value;
// the page's VM work is a fraction of that. A packed row is one string,
// and its text fields are slices of it (no copy each).
//
// The format, field after field with nothing between them:
//   - an id: its 12 bytes;
//   - an integer: its decimal digits and a comma;
//   - a string: its length in bytes, a colon, its bytes (so it may hold
//     any byte, commas and colons included);
//   - the last field may be the rest of the row.
//
// concat() reads a BLOB's bytes as they are and leaves out NULLs, so a
// nullable field must be made non-NULL (or be the rest) in the SQL.

// packID, packInt and packStr are SQL for one field of a packed row.
func packID(expr string) string  { return expr }
func packInt(expr string) string { return expr + ", ','" }
func packStr(expr string) string { return "octet_length(" + expr + "), ':', " + expr }

// packImage is SQL for the five fields of an image ref whose columns are
// prefix_key, prefix_ext, prefix_w, prefix_h and prefix_alpha, in the
// order unpacker.image reads them.
func packImage(prefix string) string {
	return packStr(prefix+"_key") + ", " + packStr(prefix+"_ext") + ", " +
		packInt(prefix+"_w") + ", " + packInt(prefix+"_h") + ", " + packInt(prefix+"_alpha")
}

// packed returns the SQL expression packing fields into one value.
func packed(fields ...string) string {
	return "concat(" + strings.Join(fields, ",\n\t") + ")"
}

var errPacked = errors.New("sqlitestore: malformed packed row")

// unpacker reads the fields of a packed row in order; the first error
// sticks and every later read returns a zero value.
type unpacker struct {
	s   string
	err error
}

func (u *unpacker) fail() {
	if u.err == nil {
		u.err = errPacked
	}
	u.s = ""
}

func (u *unpacker) id() (id bson.ObjectID) {
	if len(u.s) < len(id) {
		u.fail()
		return id
	}
	copy(id[:], u.s)
	u.s = u.s[len(id):]
	return id
}

// digits reads an optionally negative decimal number ending at stop.
func (u *unpacker) digits(stop byte) int64 {
	var n int64
	neg := false
	i := 0
	if i < len(u.s) && u.s[i] == '-' {
		neg = true
		i++
	}
	start := i
	for i < len(u.s) && u.s[i] >= '0' && u.s[i] <= '9' {
		n = n*10 + int64(u.s[i]-'0')
		i++
	}
	if i == start || i == len(u.s) || u.s[i] != stop || i-start > 18 {
		u.fail()
		return 0
	}
	u.s = u.s[i+1:]
	if neg {
		return -n
	}
	return n
}

func (u *unpacker) int() int64 { return u.digits(',') }

func (u *unpacker) bool() bool { return u.digits(',') != 0 }

func (u *unpacker) str() string {
	n := u.digits(':')
	if n < 0 || n > int64(len(u.s)) {
		u.fail()
		return ""
	}
	v := u.s[:n]
	u.s = u.s[n:]
	return v
}

// image reads the fields of packImage.
func (u *unpacker) image() store.ImageRef {
	return store.ImageRef{Key: u.str(), Ext: u.str(), Width: int(u.int()), Height: int(u.int()), Alpha: u.bool()}
}

// more reports whether fields are left to read.
func (u *unpacker) more() bool { return u.s != "" }

// rest returns what is left of the row.
func (u *unpacker) rest() string {
	v := u.s
	u.s = ""
	return v
}

// done returns the first error, or an error if fields are left unread.
func (u *unpacker) done() error {
	if u.err == nil && u.s != "" {
		u.err = errPacked
	}
	return u.err
}
