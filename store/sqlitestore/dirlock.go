//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlitestore

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is the file in the data directory whose advisory lock says
// who has the database open: every open store holds it shared, Compact
// exclusively (SQLite's own locks cannot say that no other process will
// open the file while Compact replaces it).
const lockFileName = "mypinterest.lock"

// lockDir takes the data directory's lock, shared or exclusive, without
// waiting: ErrDataDirInUse when the other kind is held.
func lockDir(dir string, exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrDataDirInUse
		}
		return nil, err
	}
	return f, nil
}
