package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Notifications are written in batches. Each comment, like and follow
// notifies someone in a transaction of its own after the action's, so
// under load half the writer's transactions were notifications, each
// paying a commit for a few rows. The noteWriter takes every Notify
// waiting when the writer is free and writes them in one transaction, each
// in a savepoint of its own: one that fails (its pin deleted, a full disk)
// is undone alone, and each sees the ones before it, as if they had been
// written one after the other.
const (
	// noteBatchMax bounds the Notify calls one transaction writes.
	noteBatchMax = 64
	// noteBatchTimeout bounds one batch's transaction. Its statements run
	// under it, not under any one caller's context, since a statement
	// interrupted inside a transaction may undo the others' writes too.
	noteBatchTimeout = 10 * time.Second
)

// errStoreClosed answers a Notify made after Close.
var errStoreClosed = errors.New("sqlitestore: the store is closed")

// noteWrite is one Notify call waiting for its batch.
type noteWrite struct {
	ctx   context.Context
	kind  string
	pin   *bson.ObjectID
	notes []store.Notification
	out   []store.Delivery
	err   error
	done  chan struct{}
}

// noteWriter writes the Notify calls it is given in batches, one batch at
// a time.
type noteWriter struct {
	s     *Store
	queue chan *noteWrite
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

func newNoteWriter(s *Store) *noteWriter {
	w := &noteWriter{s: s, queue: make(chan *noteWrite, noteBatchMax), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// write queues n and waits until its batch is committed or ctx ends.
// When ctx ends first, the notifications may still be written.
func (w *noteWriter) write(ctx context.Context, n *noteWrite) ([]store.Delivery, error) {
	n.ctx, n.done = ctx, make(chan struct{})
	select {
	case w.queue <- n:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-w.stop:
		return nil, errStoreClosed
	}
	select {
	case <-n.done:
		return n.out, n.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-w.done: // closed: n was written or refused, or came too late
		select {
		case <-n.done:
			return n.out, n.err
		default:
			return nil, errStoreClosed
		}
	}
}

func (w *noteWriter) run() {
	defer close(w.done)
	for {
		var batch []*noteWrite
		select {
		case <-w.stop:
			w.refuseQueued()
			return
		case n := <-w.queue:
			batch = append(batch, n)
		}
	gather:
		for len(batch) < noteBatchMax {
			select {
			case n := <-w.queue:
				batch = append(batch, n)
			default:
				break gather
			}
		}
		w.flush(batch)
	}
}

// refuseQueued answers what is still queued at Close.
func (w *noteWriter) refuseQueued() {
	for {
		select {
		case n := <-w.queue:
			n.err = errStoreClosed
			close(n.done)
		default:
			return
		}
	}
}

// flush writes batch in one transaction and answers each call.
func (w *noteWriter) flush(batch []*noteWrite) {
	live := batch[:0]
	for _, n := range batch {
		if err := n.ctx.Err(); err != nil {
			n.err = err
			close(n.done)
			continue
		}
		live = append(live, n)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), noteBatchTimeout)
	defer cancel()
	err := w.s.tx(ctx, func(tx *sql.Tx) error {
		if len(live) == 1 {
			n := live[0]
			n.out, n.err = writeNotes(ctx, tx, n.kind, n.pin, n.notes)
			return n.err
		}
		// One savepoint name for every call, released before the next
		// opens: three statement texts for the writer's statement cache
		// (96 per connection), where a name per call made up to 192 of
		// them, enough to push the writes' own statements out.
		for _, n := range live {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT note"); err != nil {
				return err
			}
			n.out, n.err = writeNotes(ctx, tx, n.kind, n.pin, n.notes)
			if n.err != nil {
				n.out = nil
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO note"); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE note"); err != nil {
				return err
			}
		}
		return nil
	})
	for _, n := range live {
		switch {
		case err != nil && (len(live) > 1 || n.err == nil):
			n.out, n.err = nil, err
		case n.err != nil:
			n.err = mapErr(n.err)
		}
		close(n.done)
	}
}

// close answers every queued call with errStoreClosed and stops the
// writer once its batch in flight is written.
func (w *noteWriter) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}
