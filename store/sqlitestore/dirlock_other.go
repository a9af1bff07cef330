//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sqlitestore

import "os"

// lockDir takes no lock where flock(2) is missing: Compact cannot tell
// whether a server has the directory open, and its documentation says to
// stop the server first.
func lockDir(string, bool) (*os.File, error) { return nil, nil }
