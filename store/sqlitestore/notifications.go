package sqlitestore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// Notify stores one notification of kind by actor (about pin, if any) for
// each recipient, in one transaction, and returns what each recipient is
// shown live with their unread count after it. The actor is never
// notified of their own action; a pin deleted meanwhile notifies no one.
func (s *Store) Notify(ctx context.Context, kind string, actor bson.ObjectID, pin *bson.ObjectID, recipients []bson.ObjectID) ([]store.Delivery, error) {
	notes, err := store.NewNotifications(kind, actor, pin, recipients)
	if err != nil {
		return nil, err
	}
	if len(notes) == 0 {
		return nil, nil
	}
	return s.notes.write(ctx, &noteWrite{kind: kind, pin: pin, notes: notes})
}

// writeNotes is one Notify's writes in tx: nothing when the pin is gone.
func writeNotes(ctx context.Context, tx *sql.Tx, kind string, pin *bson.ObjectID, notes []store.Notification) ([]store.Delivery, error) {
	if pin != nil {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM pins WHERE id = ?`, pin[:]).Scan(&one)
		if err == sql.ErrNoRows {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if store.Deduplicated(kind) {
		var err error
		if notes, err = dropRecent(ctx, tx, notes); err != nil || len(notes) == 0 {
			return nil, err
		}
	}
	if err := insertNotifications(ctx, tx, notes); err != nil {
		return nil, err
	}
	ids := make([]bson.ObjectID, len(notes))
	for i, n := range notes {
		ids[i] = n.RecipientID
	}
	unread, err := unreadCounts(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	views, err := hydrateNotifications(ctx, tx, notes)
	if err != nil {
		return nil, err
	}
	out := make([]store.Delivery, 0, len(views))
	for _, v := range views {
		out = append(out, store.Delivery{View: v, UnreadCount: unread[v.RecipientID]})
	}
	return out, nil
}

// insertChunk is the most notifications one INSERT writes (7 arguments
// each). A new pin's fan-out to hundreds of followers is then a few
// statements instead of one per follower.
const insertChunk = 128

// insertNotifications writes notes with multi-row INSERTs. Chunks are
// insertChunk rows, then powers of two, so that the statement cache holds
// at most eight texts for them whatever the count.
func insertNotifications(ctx context.Context, tx *sql.Tx, notes []store.Notification) error {
	for len(notes) > 0 {
		n := insertChunk
		for n > len(notes) {
			n /= 2
		}
		var q strings.Builder
		q.WriteString(`INSERT OR IGNORE INTO notifications
		(id, recipient_id, kind, actor_id, pin_id, read, created_at) VALUES `)
		args := make([]any, 0, 7*n)
		for i, nt := range notes[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?,?)")
			var pinArg any
			if nt.PinID != nil {
				pinArg = nt.PinID[:]
			}
			args = append(args, nt.ID[:], nt.RecipientID[:], nt.Kind, nt.ActorID[:], pinArg, nt.Read, ms(nt.CreatedAt))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
		notes = notes[n:]
	}
	return nil
}

// dropRecent leaves out the notifications whose recipient was told the
// same thing (actor, kind, pin) within store.RenotifyAfter.
func dropRecent(ctx context.Context, tx *sql.Tx, notes []store.Notification) ([]store.Notification, error) {
	since := ms(store.Now().Add(-store.RenotifyAfter))
	kept := notes[:0]
	for _, n := range notes {
		var pinArg any
		if n.PinID != nil {
			pinArg = n.PinID[:]
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM notifications
			WHERE actor_id = ? AND recipient_id = ? AND kind = ? AND pin_id IS ? AND created_at > ? LIMIT 1`,
			n.ActorID[:], n.RecipientID[:], n.Kind, pinArg, since).Scan(&one)
		switch {
		case err == sql.ErrNoRows:
			kept = append(kept, n)
		case err != nil:
			return nil, err
		}
	}
	return kept, nil
}

// NotifyFollowers tells every follower of actor about actor's new pin.
func (s *Store) NotifyFollowers(ctx context.Context, actor, pin bson.ObjectID) ([]store.Delivery, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT follower_id FROM follows WHERE followee_id = ?`, actor[:])
	if err != nil {
		return nil, mapErr(err)
	}
	var ids []bson.ObjectID
	for rows.Next() {
		var id bson.ObjectID
		if err := rows.Scan(idScan{&id}); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return s.Notify(ctx, store.NotifyNewPin, actor, &pin, ids)
}

// FindNotifications lists a recipient's notifications, newest first, with
// the unread count.
func (s *Store) FindNotifications(ctx context.Context, recipient bson.ObjectID, p store.Page) (store.NotificationPage, error) {
	sc := s.listScope("notifications:" + recipient.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return store.NotificationPage{}, err
	}
	below := belowCursor(after)
	// One statement, so the page and the count agree: the recipient's row
	// (none for an unknown user) joined to the page, hydrated, packed. An
	// empty page is one row without a notification.
	rows, err := s.r.QueryContext(ctx, notificationsPage, recipient[:], below, limit+1)
	if err != nil {
		return store.NotificationPage{}, mapErr(err)
	}
	defer rows.Close()
	page := store.NotificationPage{Items: []store.NotificationView{}}
	var packedRow sql.NullString
	for rows.Next() {
		if err := rows.Scan(&page.Unread, &packedRow); err != nil {
			return store.NotificationPage{}, err
		}
		if !packedRow.Valid {
			continue
		}
		v, err := unpackNoteView(packedRow.String)
		if err != nil {
			return store.NotificationPage{}, err
		}
		v.RecipientID = recipient
		page.Items = append(page.Items, v)
	}
	if err := rows.Err(); err != nil {
		return store.NotificationPage{}, mapErr(err)
	}
	page.Items, page.Next = store.NextCursor(sc, page.Items, limit, func(v store.NotificationView) bson.ObjectID { return v.ID })
	return page, nil
}

// notificationsPage is FindNotifications' query: ?1 the recipient, ?2 the
// cursor, ?3 the page's length and a row. Each stub is made in the page's
// own subquery, once per notification of the page (a LIMIT keeps SQLite
// from moving it into the outer query, which copied it into both of its
// uses).
var notificationsPage = `SELECT r.unread_count, x.v FROM users r LEFT JOIN (
		SELECT n.id AS k, ` + noteViewCols + ` AS v
		FROM (SELECT *, ` + noteStubCol + ` AS stub
			FROM notifications n WHERE recipient_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3) n
		JOIN users a ON a.id = n.actor_id
	) x WHERE r.id = ?1 ORDER BY x.k DESC`

// noteViewCols are a notification n with its actor a's card, then its pin's
// id and stub (n.stub, noteStubCol), packed (packed.go). Both end the row
// and are empty when absent (concat reads NULL as nothing), so no flag says
// whether they are there: a stub is only found by the pin's id.
var noteViewCols = packed(
	packID("n.id"), packID("n.actor_id"), packInt("n.read"), packInt("n.created_at"), packStr("n.kind"),
	packStr("a.nickname"), packImage("a.avatar"), "n.pin_id", "n.stub")

// noteStubCol is the packed stub of notification n's pin, NULL when it has
// none or the pin is gone. The pin is first looked for among its author's
// in pins_author_cards (schema step 12), which holds what a stub shows:
// a like, comment or save notifies the pin's author and a new pin is the
// actor's, so the recipient's notifications read from one range of it,
// where a lookup by id would read a row anywhere in the table (SQLite
// prefers the unique index on id unless told). Any other pin is looked up
// by id.
var noteStubCol = `iif(n.pin_id IS NULL, NULL, coalesce(
	(SELECT ` + noteStub + ` FROM pins p INDEXED BY pins_author_cards WHERE p.author_id = iif(n.kind = '` + store.NotifyNewPin + `', n.actor_id, n.recipient_id) AND p.id = n.pin_id),
	(SELECT ` + noteStub + ` FROM pins p WHERE p.id = n.pin_id)))`

// noteStub packs pin p as a notification shows it beside its id: title,
// image.
var noteStub = packed(packStr("p.title"), packImage("p.image"))

// unpackNoteView reads a row of noteViewCols (all but the recipient).
func unpackNoteView(row string) (store.NotificationView, error) {
	var v store.NotificationView
	u := unpacker{s: row}
	v.ID, v.ActorID = u.id(), u.id()
	v.Read, v.CreatedAt, v.Kind = u.bool(), fromMS(u.int()), u.str()
	v.Actor.ID = v.ActorID
	v.Actor.Nickname, v.Actor.Avatar = u.str(), u.image()
	if u.more() { // the pin's id, then its stub unless the pin is gone
		id := u.id()
		v.PinID = &id
		if u.more() {
			v.Pin = &store.PinStub{ID: id, Title: u.str(), Image: u.image()}
		}
	}
	return v, u.done()
}

// UnreadCount reads recipient's unread count, a column kept by triggers.
func (s *Store) UnreadCount(ctx context.Context, recipient bson.ObjectID) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT unread_count FROM users WHERE id = ?`, recipient[:]).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return n, mapErr(err)
}

// MarkNotificationsRead marks every notification of recipient read.
func (s *Store) MarkNotificationsRead(ctx context.Context, recipient bson.ObjectID) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE recipient_id = ? AND read = 0`, recipient[:])
		return err
	})
}

// unreadCounts reads the unread counts of recipients.
func unreadCounts(ctx context.Context, tx *sql.Tx, ids []bson.ObjectID) (map[bson.ObjectID]int64, error) {
	out := make(map[bson.ObjectID]int64, len(ids))
	rows, err := tx.QueryContext(ctx, `SELECT id, unread_count FROM users WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id bson.ObjectID
		var n int64
		if err := rows.Scan(idScan{&id}, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// hydrateNotifications adds actor cards and pin stubs, one query each.
func hydrateNotifications(ctx context.Context, tx *sql.Tx, notes []store.Notification) ([]store.NotificationView, error) {
	out := make([]store.NotificationView, 0, len(notes))
	if len(notes) == 0 {
		return out, nil
	}
	// A fan-out repeats one actor and one pin: each is read once.
	var actors, pins []bson.ObjectID
	for _, n := range notes {
		if !slices.Contains(actors, n.ActorID) {
			actors = append(actors, n.ActorID)
		}
		if n.PinID != nil && !slices.Contains(pins, *n.PinID) {
			pins = append(pins, *n.PinID)
		}
	}
	cards := make(map[bson.ObjectID]store.Card, len(actors))
	rows, err := tx.QueryContext(ctx, `SELECT id, nickname, avatar_key, avatar_ext, avatar_w, avatar_h, avatar_alpha
		FROM users WHERE id IN (`+placeholders(len(actors))+`)`, idArgs(actors)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c store.Card
		if err := rows.Scan(idScan{&c.ID}, &c.Nickname, &c.Avatar.Key, &c.Avatar.Ext, &c.Avatar.Width,
			&c.Avatar.Height, &c.Avatar.Alpha); err != nil {
			rows.Close()
			return nil, err
		}
		cards[c.ID] = c
	}
	rows.Close()
	stubs := make(map[bson.ObjectID]store.PinStub, len(pins))
	if len(pins) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT id, title, image_key, image_ext, image_w, image_h, image_alpha
			FROM pins WHERE id IN (`+placeholders(len(pins))+`)`, idArgs(pins)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var st store.PinStub
			if err := rows.Scan(idScan{&st.ID}, &st.Title, &st.Image.Key, &st.Image.Ext, &st.Image.Width,
				&st.Image.Height, &st.Image.Alpha); err != nil {
				rows.Close()
				return nil, err
			}
			stubs[st.ID] = st
		}
		rows.Close()
	}
	for _, n := range notes {
		card, ok := cards[n.ActorID]
		if !ok {
			continue
		}
		v := store.NotificationView{Notification: n, Actor: card}
		if n.PinID != nil {
			if st, ok := stubs[*n.PinID]; ok {
				v.Pin = &st
			}
		}
		out = append(out, v)
	}
	return out, nil
}
