package store

import "time"

// Options tune a store, whichever database it keeps; the zero value is
// usable.
type Options struct {
	// CacheTTL bounds how long a cached document or count may be served
	// without a local invalidation. Invalidations from other instances
	// arrive through Store.ApplyInvalidation; the TTL is the safety net.
	CacheTTL time.Duration
	// PasswordCost is the bcrypt cost; 0 means bcrypt.DefaultCost. Tests
	// lower it to keep sign-ups fast.
	PasswordCost int
	// AllowedEmailDomains restricts sign-up to these domains; empty = any.
	AllowedEmailDomains []string
	// CursorKey is the HMAC-SHA256 key that signs list cursors (see
	// cursor.go). Instances serving the same clients must share it; when
	// empty, Open generates a random one, good for this store only.
	CursorKey []byte
}
