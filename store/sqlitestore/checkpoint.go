package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite folds the WAL back into the database file in the commit that
// takes it past wal_autocheckpoint frames, on the one writer connection:
// every write queued behind that commit waits for the copy of a thousand
// random pages and two fsyncs. The checkpointer copies them beforehand, on
// a connection of its own (PASSIVE: it takes no lock a writer or reader
// waits for), so the writer's own checkpoint finds little left to copy.
// The writer keeps it: only a checkpoint that ends between two writes lets
// the next one start the WAL over, and the writer's is that one.
const (
	// checkpointEvery is how many commits make a checkpoint due: a comment
	// or a like dirties 6–10 pages, so about half of wal_autocheckpoint's
	// 1,000 frames.
	checkpointEvery = 48
	// checkpointWithin is the longest a commit waits to be folded back when
	// fewer than checkpointEvery follow it.
	checkpointWithin = time.Second
	// checkpointTimeout bounds one checkpoint.
	checkpointTimeout = 30 * time.Second
)

// checkpointer runs PASSIVE checkpoints beside the writer.
type checkpointer struct {
	db      *sql.DB
	commits atomic.Uint64 // write transactions committed
	runs    atomic.Uint64 // checkpoints run
	kick    chan struct{} // a commit happened
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// newCheckpointer starts a checkpointer on db, which it closes when
// stopped.
func newCheckpointer(db *sql.DB) *checkpointer {
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer of one more commit.
func (c *checkpointer) committed() {
	c.commits.Add(1)
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	var folded uint64 // commits when the last checkpoint started
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		if !c.gather(folded) {
			return
		}
		folded = c.commits.Load()
		ctx, cancel := context.WithTimeout(context.Background(), checkpointTimeout)
		// An error (a busy or full disk) leaves the frames to the next
		// checkpoint or to the writer's own.
		_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		cancel()
		c.runs.Add(1)
	}
}

// gather waits until checkpointEvery commits have come since since, or
// checkpointWithin has passed; false when the checkpointer is stopping.
func (c *checkpointer) gather(since uint64) bool {
	wait := time.NewTimer(checkpointWithin)
	defer wait.Stop()
	for c.commits.Load()-since < checkpointEvery {
		select {
		case <-c.stop:
			return false
		case <-c.kick:
		case <-wait.C:
			return true
		}
	}
	return true
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
