package sqlitestore

import (
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// TestNotifyCallsThatWaitShareOneTransaction: Notify calls queued while
// the writer is busy are written in one transaction, nine calls in two
// commits (the first alone, then the eight that waited for it), and within
// it each is written as if alone: a like repeated is deduplicated against
// the one before it, a pin that does not exist notifies no one, a
// recipient who does not exist fails alone, and the others are delivered
// with unread counts that count the notes before them.
func TestNotifyCallsThatWaitShareOneTransaction(t *testing.T) {
	ctx := t.Context()
	s, users, p := openWithPin(t, 6)
	recipient, a, b := users[0], users[1], users[2]
	pin, gone := &p.ID, new(bson.ObjectID(bson.NewObjectID()))
	type call struct {
		kind      string
		actor     bson.ObjectID
		pin       *bson.ObjectID
		recipient bson.ObjectID
		unread    int64 // 0: nothing delivered; -1: an error
	}
	calls := []call{
		{store.NotifyComment, a, pin, recipient, 1},
		{store.NotifyLike, a, pin, recipient, 2},
		{store.NotifyLike, a, pin, recipient, 0},             // the same like again
		{store.NotifyComment, b, gone, recipient, 0},         // no such pin
		{store.NotifyFollow, b, nil, bson.NewObjectID(), -1}, // no such recipient
		{store.NotifyComment, b, pin, recipient, 3},
	}
	for _, u := range users[3:] {
		calls = append(calls, call{store.NotifyFollow, u, nil, recipient, int64(len(calls) - 2)})
	}

	held, err := s.w.Conn(ctx) // the writer is busy
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = held.Close() }) // before Close, which waits for the writer
	commits, waits := s.ckpt.commits.Load(), s.w.Stats().WaitCount
	results := make([]struct {
		ds  []store.Delivery
		err error
	}, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			results[i].ds, results[i].err = s.Notify(ctx, c.kind, c.actor, c.pin, []bson.ObjectID{c.recipient})
		})
		// One at a time, so that they queue in order: the first is taken
		// and waits for the writer, the others wait in the queue.
		if i == 0 {
			waitFor(t, func() bool { return s.w.Stats().WaitCount > waits })
		} else {
			waitFor(t, func() bool { return len(s.notes.queue) == i })
		}
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := s.ckpt.commits.Load() - commits; got != 2 {
		t.Errorf("%d calls took %d commits, want 2", len(calls), got)
	}
	for i, c := range calls {
		r := results[i]
		switch {
		case c.unread < 0:
			if r.err == nil {
				t.Errorf("call %d: delivered %v to a recipient who does not exist", i, r.ds)
			}
		case r.err != nil:
			t.Errorf("call %d: %v", i, r.err)
		case c.unread == 0:
			if len(r.ds) != 0 {
				t.Errorf("call %d: delivered %+v, want nothing", i, r.ds)
			}
		case len(r.ds) != 1 || r.ds[0].UnreadCount != c.unread || r.ds[0].View.Kind != c.kind:
			t.Errorf("call %d: delivered %+v, want one %s with %d unread", i, r.ds, c.kind, c.unread)
		}
	}
	var stored int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE recipient_id = ?`, recipient[:]).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if want := calls[len(calls)-1].unread; stored != want {
		t.Errorf("%d notifications stored, want %d", stored, want)
	}
	// The batch's savepoints share one name, so the writer's statement
	// cache holds one text for each kind of savepoint statement.
	w, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var savepoints []string
	if err := w.Raw(func(dc any) error {
		for q := range dc.(*cachingConn).byKey {
			if strings.HasPrefix(q, "SAVEPOINT") {
				savepoints = append(savepoints, q)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(savepoints) != 1 {
		t.Errorf("the writer's statement cache holds %d SAVEPOINT texts after one batch, want 1: %q", len(savepoints), savepoints)
	}
}

// TestNotifyAfterCloseIsRefused: a Notify after Close answers at once.
func TestNotifyAfterCloseIsRefused(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notify(ctx, store.NotifyFollow, bson.NewObjectID(), nil, []bson.ObjectID{bson.NewObjectID()}); err == nil {
		t.Fatal("Notify after Close succeeded")
	}
}
