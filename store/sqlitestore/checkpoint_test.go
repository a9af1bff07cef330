package sqlitestore

import (
	"database/sql"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mypinterest/store"
)

// TestCheckpointerFoldsTheWALBesideTheWriter: after checkpointEvery small
// commits, far fewer frames than the writer's own checkpoint waits for
// (wal_autocheckpoint, 1,000), the WAL is copied back into the database
// file with no further write: the checkpointer did it. Without one the
// frames would wait for the commit that passes the thousandth.
func TestCheckpointerFoldsTheWALBesideTheWriter(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE filler (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i := range checkpointEvery {
		if err := s.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO filler VALUES (?)`, i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	shm := filepath.Join(dir, FileName+"-shm")
	deadline := time.Now().Add(10 * time.Second)
	for {
		last, copied := walProgress(t, shm)
		if last >= 1000 {
			t.Fatalf("%d frames in the WAL: the writer's own checkpoint may have run", last)
		}
		if last > 0 && copied == last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d commits the WAL's %d frames are copied up to %d", checkpointEvery, last, copied)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.ckpt.runs.Load() == 0 {
		t.Fatal("the WAL was copied back, but not by the checkpointer")
	}
}

// walProgress reads the WAL index (the -shm file, in the machine's byte
// order): its last valid frame (mxFrame, at byte 16 of the header) and how
// far checkpoints have copied the WAL back (nBackfill, the first field
// after the header's two copies, at byte 96).
func walProgress(t *testing.T, shm string) (last, copied uint32) {
	t.Helper()
	b, err := os.ReadFile(shm)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 100 {
		t.Fatalf("the WAL index is %d bytes", len(b))
	}
	return binary.NativeEndian.Uint32(b[16:]), binary.NativeEndian.Uint32(b[96:])
}
