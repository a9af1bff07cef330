package sqlitestore

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"strings"
	"testing"

	"mypinterest/store"
)

// TestToggleDedupReadsOneIndexRange: the query dropRecent runs for every
// like, follow and save is answered from notifications_actor alone, as
// one range. Without pin_id and created_at in the index it read the row
// of every earlier notification of that kind from actor to recipient.
func TestToggleDedupReadsOneIndexRange(t *testing.T) {
	s := openPlanStore(t)
	// The text of dropRecent's query (notifications.go).
	const q = `SELECT 1 FROM notifications
			WHERE actor_id = ? AND recipient_id = ? AND kind = ? AND pin_id IS ? AND created_at > ? LIMIT 1`
	got := queryPlan(t, s, q, []byte("a"), []byte("r"), store.NotifyLike, []byte("p"), 0)
	if !strings.Contains(got, "COVERING INDEX notifications_actor") || !strings.Contains(got, "created_at>?") {
		t.Errorf("plan %q: want a covering range of notifications_actor up to created_at", got)
	}
}

// TestGroupAdditionsReadSavesFromTheIndex: FindGroupPins' saves arm
// (groups.go) reads each save's pin seq from saves_group_pages (schema
// step 9) without a row lookup per save.
func TestGroupAdditionsReadSavesFromTheIndex(t *testing.T) {
	s := openPlanStore(t)
	got := queryPlan(t, s, groupSavesPage, []byte("g"), maxID, 25)
	if !strings.Contains(got, "COVERING INDEX saves_group_pages") {
		t.Errorf("plan %q: want a covering range of saves_group_pages", got)
	}
}

func openPlanStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(t.Context()) })
	return s
}

// queryPlan is SQLite's plan for q on the writer, its steps joined by "; ".
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.w.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+q, args...)
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestBookmarksReadPinsFromTheIndex: a page of a user's bookmarks reads
// each bookmark's pin seq from bookmarks_user_pages (schema step 9)
// without a row lookup per bookmark.
func TestBookmarksReadPinsFromTheIndex(t *testing.T) {
	s := openPlanStore(t)
	got := queryPlan(t, s, bookmarksPage, []byte("u"), maxID, 25)
	if !strings.Contains(got, "COVERING INDEX bookmarks_user_pages") {
		t.Errorf("plan %q: want a covering range of bookmarks_user_pages", got)
	}
}

// TestCommentsPageIsOneRange: a page of a pin's comments (FindComments)
// is one range of the comments table itself (schema step 8), no lookup
// per comment; a comment by id goes through the unique index on id.
func TestCommentsPageIsOneRange(t *testing.T) {
	s := openPlanStore(t)
	got := queryPlan(t, s, commentsPage+` AND c.id > ? ORDER BY c.id LIMIT ?`, []byte("p"), []byte("c"), 25)
	if !strings.Contains(got, "SEARCH c USING PRIMARY KEY (pin_id=? AND id>?)") {
		t.Errorf("page plan %q: want a range of the comments table's key", got)
	}
	got = queryPlan(t, s, `SELECT author_id FROM comments WHERE id = ?`, []byte("c"))
	if !strings.Contains(got, "USING INDEX sqlite_autoindex_comments_1") {
		t.Errorf("by-id plan %q: want the unique index on id", got)
	}
}

// TestNotificationsPageIsOneRange: FindNotifications' page is one range of
// the notifications table's key (schema step 10), no lookup per row.
func TestNotificationsPageIsOneRange(t *testing.T) {
	s := openPlanStore(t)
	got := queryPlan(t, s, `SELECT * FROM notifications WHERE recipient_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3`,
		[]byte("r"), maxID, 25)
	if !strings.Contains(got, "SEARCH notifications USING PRIMARY KEY (recipient_id=? AND id<?)") {
		t.Errorf("plan %q: want a range of the notifications table's key", got)
	}
}

// TestRelatedPinsReachSavedPinsBySeq: the related pins of a group's saves
// come with their seq from saves_group_pin_seq (schema step 11), so no pin
// is looked up by id before its row.
func TestRelatedPinsReachSavedPinsBySeq(t *testing.T) {
	s := openPlanStore(t)
	query, args := groupNeighboursQuery(bson.NewObjectID(), []bson.ObjectID{bson.NewObjectID(), bson.NewObjectID()}, maxID, 24)
	viewer := bson.NewObjectID()
	got := queryPlan(t, s, query, append([]any{viewer[:], viewer[:], viewer[:]}, args...)...)
	if !strings.Contains(got, "USING COVERING INDEX saves_group_pin_seq (group_id=? AND pin_id<?)") {
		t.Errorf("plan %q: want the saves arm from saves_group_pin_seq alone", got)
	}
	if strings.Contains(got, "sqlite_autoindex_pins") {
		t.Errorf("plan %q: a pin is looked up by id", got)
	}
}

// TestViewerSavesFromTheIndex: where the viewer saved a pin (viewerCols)
// comes from saves_user_groups alone (schema step 11), no row of saves.
func TestViewerSavesFromTheIndex(t *testing.T) {
	s := openPlanStore(t)
	viewer := bson.NewObjectID()
	got := queryPlan(t, s, `SELECT `+pinViewCols+pinViewFrom+`WHERE p.id = ?`, viewer[:], viewer[:], viewer[:], []byte("p"))
	if !strings.Contains(got, "SEARCH saves USING COVERING INDEX saves_user_groups (user_id=? AND pin_id=?)") {
		t.Errorf("plan %q: want the viewer's saves from saves_user_groups alone", got)
	}
}

// TestUserPinsFromOneIndexRange: a page of a user's pins (FindPins by
// author, signed in or not) reads everything it shows from
// pins_author_cards (schema step 12), no row of pins.
func TestUserPinsFromOneIndexRange(t *testing.T) {
	s := openPlanStore(t)
	viewer := bson.NewObjectID()
	query := `SELECT ` + pinViewCols + pinViewFrom + `WHERE p.author_id = ? AND p.id < ? ORDER BY p.id DESC LIMIT ?`
	for name, q := range map[string]string{"signed in": query, "signed out": strings.Replace(query, viewerCols, anonCols, 1)} {
		args := []any{[]byte("a"), maxID, 25}
		if name == "signed in" {
			args = append([]any{viewer[:], viewer[:], viewer[:]}, args...)
		}
		got := queryPlan(t, s, q, args...)
		if !strings.Contains(got, "SEARCH p USING COVERING INDEX pins_author_cards (author_id=? AND id<?)") {
			t.Errorf("%s: plan %q: want the pins from pins_author_cards alone", name, got)
		}
	}
}

// TestNotificationStubsFromTheAuthorsRange: a page of notifications looks
// each pin up among its author's in pins_author_cards (schema step 12),
// once per notification.
func TestNotificationStubsFromTheAuthorsRange(t *testing.T) {
	s := openPlanStore(t)
	got := queryPlan(t, s, notificationsPage, []byte("r"), maxID, 25)
	if !strings.Contains(got, "SEARCH p USING COVERING INDEX pins_author_cards (author_id=? AND id=?)") {
		t.Errorf("plan %q: want the stub from pins_author_cards", got)
	}
	if n := strings.Count(got, "CORRELATED SCALAR SUBQUERY"); n != 2 {
		t.Errorf("plan %q: %d subqueries for the stub, want 2 (by author, then by id)", got, n)
	}
}
