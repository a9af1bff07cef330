package sqlitestore

import (
	"strings"
	"testing"

	"mypinterest/store"
)

// TestToggleDedupReadsOneIndexRange: the query dropRecent runs for every
// like, follow and save is answered from notifications_actor alone, as
// one range. Without pin_id and created_at in the index it read the row
// of every earlier notification of that kind from actor to recipient.
func TestToggleDedupReadsOneIndexRange(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	// The text of dropRecent's query (notifications.go).
	const q = `SELECT 1 FROM notifications
			WHERE actor_id = ? AND recipient_id = ? AND kind = ? AND pin_id IS ? AND created_at > ? LIMIT 1`
	rows, err := s.w.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, []byte("a"), []byte("r"), store.NotifyLike, []byte("p"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "COVERING INDEX notifications_actor") || !strings.Contains(got, "created_at>?") {
		t.Errorf("plan %q: want a covering range of notifications_actor up to created_at", got)
	}
}
