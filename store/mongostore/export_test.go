package mongostore

// Test-only access for the external tests of this package (the build of
// the package itself exports none of it).

// DeclaredIndex is an index of indexes.go as the coverage test reads it.
type DeclaredIndex struct {
	Coll   string
	Keys   []string
	Unique bool
}

// DeclaredIndexes returns every index ensureIndexes creates.
func DeclaredIndexes() []DeclaredIndex {
	out := make([]DeclaredIndex, len(indexes))
	for i, sp := range indexes {
		keys := make([]string, len(sp.keys))
		for j, k := range sp.keys {
			keys[j] = k.Key
		}
		out[i] = DeclaredIndex{Coll: sp.coll, Keys: keys, Unique: sp.unique}
	}
	return out
}

// SetFeedChunk makes the feed query at most n followees per find, until
// the returned function restores the default.
func SetFeedChunk(n int) (restore func()) {
	old := feedChunk
	feedChunk = n
	return func() { feedChunk = old }
}

// SetBackfillBatch makes the terms backfill read n pins a round, until
// the returned function restores the default.
func SetBackfillBatch(n int) (restore func()) {
	old := backfillBatch
	backfillBatch = n
	return func() { backfillBatch = old }
}
