package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migrations bring a database from version i (PRAGMA user_version) to i+1.
// They only ever grow: a released step is never edited, a change is a new
// step, so every DATA_DIR upgrades the same way.
//
// Ids are ObjectIDs stored as 12-byte BLOBs: byte order is creation order,
// so "newest first" is ORDER BY id DESC and a cursor is an id. Times are
// Unix milliseconds. Counts shown on pages (likes, bookmarks and comments
// of a pin, pins of a group, pins, followers and following of a user,
// unread notifications) are columns kept exact by triggers in the same
// transaction as the row that changes them, so reading one costs nothing
// and always equals a recount.
var migrations = []string{
	// 1: the whole domain.
	`
CREATE TABLE users (
	id              BLOB PRIMARY KEY,
	email           TEXT NOT NULL UNIQUE,
	nickname        TEXT NOT NULL,
	nickname_key    TEXT NOT NULL UNIQUE,
	password_hash   BLOB NOT NULL,
	avatar_key      TEXT NOT NULL DEFAULT '',
	avatar_ext      TEXT NOT NULL DEFAULT '',
	avatar_w        INTEGER NOT NULL DEFAULT 0,
	avatar_h        INTEGER NOT NULL DEFAULT 0,
	avatar_alpha    INTEGER NOT NULL DEFAULT 0,
	message         TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	pin_count       INTEGER NOT NULL DEFAULT 0,
	follower_count  INTEGER NOT NULL DEFAULT 0,
	following_count INTEGER NOT NULL DEFAULT 0,
	follower_rev    INTEGER NOT NULL DEFAULT 0,
	unread_count    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE pin_groups (
	id          BLOB PRIMARY KEY,
	owner_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	content     TEXT NOT NULL,
	image_key   TEXT NOT NULL DEFAULT '',
	image_ext   TEXT NOT NULL DEFAULT '',
	image_w     INTEGER NOT NULL DEFAULT 0,
	image_h     INTEGER NOT NULL DEFAULT 0,
	image_alpha INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	pin_count   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX groups_owner ON pin_groups(owner_id, id);

-- pins keep a rowid (seq) because the search index refers to rows by
-- integer; seq follows insertion, which is id order.
CREATE TABLE pins (
	seq            INTEGER PRIMARY KEY,
	id             BLOB NOT NULL UNIQUE,
	author_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	group_id       BLOB NOT NULL REFERENCES pin_groups(id) ON DELETE CASCADE,
	title          TEXT NOT NULL,
	content        TEXT NOT NULL,
	image_key      TEXT NOT NULL,
	image_ext      TEXT NOT NULL,
	image_w        INTEGER NOT NULL,
	image_h        INTEGER NOT NULL,
	image_alpha    INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	like_count     INTEGER NOT NULL DEFAULT 0,
	bookmark_count INTEGER NOT NULL DEFAULT 0,
	comment_count  INTEGER NOT NULL DEFAULT 0,
	like_rev       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pins_author ON pins(author_id, id);
CREATE INDEX pins_group ON pins(group_id, id);

-- The words of each pin (store.Words of its title and content), so that
-- search tokenizes exactly as the domain defines words. The prefix
-- indexes serve short prefixes without merging every matching term.
CREATE VIRTUAL TABLE pin_words USING fts5(
	words,
	tokenize = 'unicode61 remove_diacritics 0',
	prefix = '1 2 3',
	detail = none
);

CREATE TABLE follows (
	id          BLOB PRIMARY KEY,
	follower_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	followee_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	UNIQUE (follower_id, followee_id)
) WITHOUT ROWID;
CREATE INDEX follows_followee ON follows(followee_id, id);
CREATE INDEX follows_follower ON follows(follower_id, id);

CREATE TABLE comments (
	id         BLOB PRIMARY KEY,
	pin_id     BLOB NOT NULL REFERENCES pins(id) ON DELETE CASCADE,
	author_id  BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	content    TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX comments_pin ON comments(pin_id, id);
CREATE INDEX comments_author ON comments(author_id);

CREATE TABLE likes (
	id         BLOB PRIMARY KEY,
	pin_id     BLOB NOT NULL REFERENCES pins(id) ON DELETE CASCADE,
	user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	UNIQUE (user_id, pin_id)
) WITHOUT ROWID;
CREATE INDEX likes_pin ON likes(pin_id);

CREATE TABLE bookmarks (
	id         BLOB PRIMARY KEY,
	pin_id     BLOB NOT NULL REFERENCES pins(id) ON DELETE CASCADE,
	user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	UNIQUE (user_id, pin_id)
) WITHOUT ROWID;
CREATE INDEX bookmarks_pin ON bookmarks(pin_id);
CREATE INDEX bookmarks_user ON bookmarks(user_id, id);

CREATE TABLE notifications (
	id           BLOB PRIMARY KEY,
	recipient_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind         TEXT NOT NULL,
	actor_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	pin_id       BLOB REFERENCES pins(id) ON DELETE CASCADE,
	read         INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX notifications_recipient ON notifications(recipient_id, id);
-- (actor, recipient, kind) also finds a toggle's earlier notification.
CREATE INDEX notifications_actor ON notifications(actor_id, recipient_id, kind);
CREATE INDEX notifications_pin ON notifications(pin_id);

CREATE TABLE images (
	name         TEXT PRIMARY KEY,
	content_type TEXT NOT NULL,
	data         BLOB NOT NULL,
	created_at   INTEGER NOT NULL
);

CREATE TABLE revocations (
	jti   TEXT PRIMARY KEY,
	until INTEGER NOT NULL
) WITHOUT ROWID;

-- Counts, kept by the rows that make them.
CREATE TRIGGER pins_ai AFTER INSERT ON pins BEGIN
	UPDATE users SET pin_count = pin_count + 1 WHERE id = NEW.author_id;
	UPDATE pin_groups SET pin_count = pin_count + 1 WHERE id = NEW.group_id;
END;
CREATE TRIGGER pins_ad AFTER DELETE ON pins BEGIN
	UPDATE users SET pin_count = pin_count - 1 WHERE id = OLD.author_id;
	UPDATE pin_groups SET pin_count = pin_count - 1 WHERE id = OLD.group_id;
	DELETE FROM pin_words WHERE rowid = OLD.seq;
END;
CREATE TRIGGER pins_au_group AFTER UPDATE OF group_id ON pins WHEN OLD.group_id <> NEW.group_id BEGIN
	UPDATE pin_groups SET pin_count = pin_count - 1 WHERE id = OLD.group_id;
	UPDATE pin_groups SET pin_count = pin_count + 1 WHERE id = NEW.group_id;
END;
CREATE TRIGGER follows_ai AFTER INSERT ON follows BEGIN
	UPDATE users SET follower_count = follower_count + 1, follower_rev = follower_rev + 1 WHERE id = NEW.followee_id;
	UPDATE users SET following_count = following_count + 1 WHERE id = NEW.follower_id;
END;
CREATE TRIGGER follows_ad AFTER DELETE ON follows BEGIN
	UPDATE users SET follower_count = follower_count - 1, follower_rev = follower_rev + 1 WHERE id = OLD.followee_id;
	UPDATE users SET following_count = following_count - 1 WHERE id = OLD.follower_id;
END;
` + commentCountTriggers + `CREATE TRIGGER likes_ai AFTER INSERT ON likes BEGIN
	UPDATE pins SET like_count = like_count + 1, like_rev = like_rev + 1 WHERE id = NEW.pin_id;
END;
CREATE TRIGGER likes_ad AFTER DELETE ON likes BEGIN
	UPDATE pins SET like_count = like_count - 1, like_rev = like_rev + 1 WHERE id = OLD.pin_id;
END;
CREATE TRIGGER bookmarks_ai AFTER INSERT ON bookmarks BEGIN
	UPDATE pins SET bookmark_count = bookmark_count + 1 WHERE id = NEW.pin_id;
END;
CREATE TRIGGER bookmarks_ad AFTER DELETE ON bookmarks BEGIN
	UPDATE pins SET bookmark_count = bookmark_count - 1 WHERE id = OLD.pin_id;
END;
` + unreadCountTriggers,
	// 2: boards (docs/API.md §Groups, §Saves): public or secret groups, saves of any pin into
	// one's groups, and a search index of public groups' titles.
	`
ALTER TABLE pin_groups ADD COLUMN secret INTEGER NOT NULL DEFAULT 0;
-- Groups made before boards were private: they stay so (their owners
-- may open them up); new groups are public unless made secret.
UPDATE pin_groups SET secret = 1;
-- seq is the group's row in group_words (an FTS5 rowid must be an
-- integer); it follows creation order like pins.seq. Step 2's Go part
-- (migrationSteps) numbers existing groups and indexes their titles.
ALTER TABLE pin_groups ADD COLUMN seq INTEGER;
CREATE UNIQUE INDEX groups_seq ON pin_groups(seq);
ALTER TABLE pins ADD COLUMN save_count INTEGER NOT NULL DEFAULT 0;

-- The words of each public group's title (store.Words); secret groups
-- are not in it, so a search never meets them.
CREATE VIRTUAL TABLE group_words USING fts5(
	words,
	tokenize = 'unicode61 remove_diacritics 0',
	prefix = '1 2 3',
	detail = none
);

-- A save is a pin in one more group; user_id is the group's owner.
CREATE TABLE saves (
	id         BLOB PRIMARY KEY,
	pin_id     BLOB NOT NULL REFERENCES pins(id) ON DELETE CASCADE,
	group_id   BLOB NOT NULL REFERENCES pin_groups(id) ON DELETE CASCADE,
	user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	UNIQUE (pin_id, group_id)
) WITHOUT ROWID;
-- A group's additions newest first; the pins of a group by pin id
-- (related pins); a viewer's saves of a pin (saved_group_ids).
CREATE INDEX saves_group ON saves(group_id, id);
CREATE INDEX saves_group_pin ON saves(group_id, pin_id);
CREATE INDEX saves_user ON saves(user_id, pin_id);

CREATE TRIGGER saves_ai AFTER INSERT ON saves BEGIN
	UPDATE pins SET save_count = save_count + 1 WHERE id = NEW.pin_id;
	UPDATE pin_groups SET pin_count = pin_count + 1 WHERE id = NEW.group_id;
END;
CREATE TRIGGER saves_ad AFTER DELETE ON saves BEGIN
	UPDATE pins SET save_count = save_count - 1 WHERE id = OLD.pin_id;
	UPDATE pin_groups SET pin_count = pin_count - 1 WHERE id = OLD.group_id;
END;
CREATE TRIGGER groups_ad_words AFTER DELETE ON pin_groups BEGIN
	DELETE FROM group_words WHERE rowid = OLD.seq;
END;
`,
	// 3: every distinct word the search index holds, so that a search
	// term longer than the prefix indexes (1–3 characters) becomes an OR
	// of the exact words it starts, which FTS5 streams newest first and
	// stops after one page, instead of a prefix query that merges the
	// whole doclist of every such word first (seconds at 1M pins for a
	// common word). Words are only ever added: one no pin holds any more
	// matches nothing.
	`
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE temp.pin_words_terms USING fts5vocab(main, pin_words, row);
INSERT INTO search_terms (term) SELECT term FROM temp.pin_words_terms;
DROP TABLE temp.pin_words_terms;
`,
	// 4: each group's previews (the images of its newest additions), kept
	// by triggers like the counts, so that a page of groups is one range
	// of rows. Computed on every read, they were two index ranges per
	// group and a pin lookup per image: a page of a user's groups cost
	// more than a page of pins.
	step4Previews(),
	// 5: a toggle's earlier notification (store.Deduplicated) is found by
	// (actor, recipient, kind, pin, created_at) from the index alone. The
	// index of step 1 stopped at kind, so each like read the row of every
	// like notification the actor had ever sent that author (thousands
	// for a prolific author at 1M pins) to compare pin and time.
	`
DROP INDEX notifications_actor;
CREATE INDEX notifications_actor ON notifications(actor_id, recipient_id, kind, pin_id, created_at);
`,
	// 6: a group's additions newest first read the pin of each save from
	// the index itself. saves_group (group_id, id) held no pin_id, so a
	// page of a group with saves looked each save up in the table, one
	// more B-tree descent per row (a fifth of the page at 1M pins).
	`
CREATE INDEX saves_group_added ON saves(group_id, id, pin_id);
DROP INDEX saves_group;
`,
	// 7: a page of a user's bookmarks reads each bookmark's pin from the
	// index itself, as step 6 did for a group's saves: bookmarks_user
	// (user_id, id) held no pin_id, one more B-tree descent per pin.
	`
CREATE INDEX bookmarks_user_added ON bookmarks(user_id, id, pin_id);
DROP INDEX bookmarks_user;
`,
	// 8: a pin's comments lie together, keyed by (pin_id, id). Keyed by id
	// alone, each comment of a page was a row of its own somewhere in the
	// table: at 1M pins a page of 24 comments read 24 scattered pages,
	// where it now reads one or two. A comment by id goes through the
	// unique index on id.
	`
DROP TRIGGER comments_ai;
DROP TRIGGER comments_ad;
ALTER TABLE comments RENAME TO comments_by_id;
CREATE TABLE comments (
	pin_id     BLOB NOT NULL REFERENCES pins(id) ON DELETE CASCADE,
	id         BLOB NOT NULL UNIQUE,
	author_id  BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	content    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (pin_id, id)
) WITHOUT ROWID;
INSERT INTO comments (pin_id, id, author_id, content, created_at)
	SELECT pin_id, id, author_id, content, created_at FROM comments_by_id ORDER BY pin_id, id;
DROP TABLE comments_by_id;
CREATE INDEX comments_author ON comments(author_id);
` + commentCountTriggers,
	// 9: a bookmark and a save carry their pin's seq, kept by a trigger
	// (seq never changes, and a pin's bookmarks and saves go with it), and
	// a user's bookmarks and a group's saves are indexed with it. A page
	// of either read each pin through the index on pins.id and then its
	// row; it now reads the row by seq: one B-tree descent per pin instead
	// of two.
	`
ALTER TABLE bookmarks ADD COLUMN pin_seq INTEGER;
UPDATE bookmarks SET pin_seq = (SELECT seq FROM pins WHERE pins.id = bookmarks.pin_id);
CREATE TRIGGER bookmarks_ai_seq AFTER INSERT ON bookmarks BEGIN
	UPDATE bookmarks SET pin_seq = (SELECT seq FROM pins WHERE id = NEW.pin_id) WHERE id = NEW.id;
END;
CREATE INDEX bookmarks_user_pages ON bookmarks(user_id, id, pin_seq);
DROP INDEX bookmarks_user_added;
ALTER TABLE saves ADD COLUMN pin_seq INTEGER;
UPDATE saves SET pin_seq = (SELECT seq FROM pins WHERE pins.id = saves.pin_id);
CREATE TRIGGER saves_ai_seq AFTER INSERT ON saves BEGIN
	UPDATE saves SET pin_seq = (SELECT seq FROM pins WHERE id = NEW.pin_id) WHERE id = NEW.id;
END;
CREATE INDEX saves_group_pages ON saves(group_id, id, pin_seq);
DROP INDEX saves_group_added;
`,
	// 10: a recipient's notifications lie together, keyed by
	// (recipient_id, id), as step 8 did for a pin's comments: a page of
	// them was 24 rows scattered among everyone's notifications, and is
	// now one range. A notification by id goes through the unique index.
	`
DROP TRIGGER notifications_ai;
DROP TRIGGER notifications_ad;
DROP TRIGGER notifications_au;
ALTER TABLE notifications RENAME TO notifications_by_id;
CREATE TABLE notifications (
	recipient_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	id           BLOB NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	actor_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	pin_id       BLOB REFERENCES pins(id) ON DELETE CASCADE,
	read         INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (recipient_id, id)
) WITHOUT ROWID;
INSERT INTO notifications (recipient_id, id, kind, actor_id, pin_id, read, created_at)
	SELECT recipient_id, id, kind, actor_id, pin_id, read, created_at FROM notifications_by_id ORDER BY recipient_id, id;
DROP TABLE notifications_by_id;
CREATE INDEX notifications_actor ON notifications(actor_id, recipient_id, kind, pin_id, created_at);
CREATE INDEX notifications_pin ON notifications(pin_id);
` + unreadCountTriggers,
	// 11: the indexes on saves carry what their readers look up: a
	// group's saves by pin the pin's seq (step 9's column), so related
	// pins reach a pin saved into a neighbouring group by its seq, as they
	// reach a posted one, not through the index on pins.id first; a
	// user's saves by pin the group, so a list shows where the viewer
	// saved each pin from the index alone, not from the table's row.
	`
CREATE INDEX saves_group_pin_seq ON saves(group_id, pin_id, pin_seq);
DROP INDEX saves_group_pin;
CREATE INDEX saves_user_groups ON saves(user_id, pin_id, group_id);
DROP INDEX saves_user;
`,
	// 12: a user's pins are read from an index that holds every column of
	// the pin a list shows (pinViewCols), so a page of them is one range
	// of it, not 24 rows spread over the table: at 1M pins a user's page
	// 2 faulted 14.6 pages in, 1.1 from the index. It holds the counts
	// too, so a like, comment, bookmark or save rewrites its entry as well
	// as the row.
	`
CREATE INDEX pins_author_cards ON pins(author_id, id, group_id, image_key, image_ext, image_w, image_h, image_alpha,
	created_at, updated_at, like_count, bookmark_count, comment_count, save_count, title, content);
DROP INDEX pins_author;
`,
}

// commentCountTriggers keep pins.comment_count; step 8 rebuilt the
// comments table and made them anew, the same.
const commentCountTriggers = `CREATE TRIGGER comments_ai AFTER INSERT ON comments BEGIN
	UPDATE pins SET comment_count = comment_count + 1 WHERE id = NEW.pin_id;
END;
CREATE TRIGGER comments_ad AFTER DELETE ON comments BEGIN
	UPDATE pins SET comment_count = comment_count - 1 WHERE id = OLD.pin_id;
END;
`

// unreadCountTriggers keep users.unread_count; step 10 rebuilt the
// notifications table and made them anew, the same.
const unreadCountTriggers = `CREATE TRIGGER notifications_ai AFTER INSERT ON notifications WHEN NEW.read = 0 BEGIN
	UPDATE users SET unread_count = unread_count + 1 WHERE id = NEW.recipient_id;
END;
CREATE TRIGGER notifications_ad AFTER DELETE ON notifications WHEN OLD.read = 0 BEGIN
	UPDATE users SET unread_count = unread_count - 1 WHERE id = OLD.recipient_id;
END;
CREATE TRIGGER notifications_au AFTER UPDATE OF read ON notifications WHEN OLD.read <> NEW.read BEGIN
	UPDATE users SET unread_count = unread_count + (CASE WHEN NEW.read = 0 THEN 1 ELSE -1 END) WHERE id = NEW.recipient_id;
END;
`

// step4Previews is schema step 4 (never edited once released, like every
// step). previews is a JSON array of [key, ext, width, height, alpha], the
// images of the group's newest store.PreviewPins (4) additions, posted or
// saved, newest first. Triggers recompute it whenever an addition comes or
// goes, or a pin changes group or image (then in every group it was saved
// into too).
func step4Previews() string {
	of := func(g string) string {
		// The aggregate reads its ordered subquery in order (no
		// "json_group_array(… ORDER BY …)": SQLite before 3.44, such as
		// a system sqlite3 shell, could not read the schema).
		return strings.ReplaceAll(`(SELECT json_group_array(json(x.img)) FROM (
			SELECT json_array(p.image_key, p.image_ext, p.image_w, p.image_h, p.image_alpha) AS img
			FROM (SELECT k, pin FROM (
				SELECT * FROM (SELECT id AS k, id AS pin FROM pins WHERE group_id = $g ORDER BY id DESC LIMIT 4)
				UNION ALL
				SELECT * FROM (SELECT id, pin_id FROM saves WHERE group_id = $g ORDER BY id DESC LIMIT 4)
			) ORDER BY k DESC LIMIT 4) a JOIN pins p ON p.id = a.pin ORDER BY a.k DESC) x)`, "$g", g)
	}
	return `
ALTER TABLE pin_groups ADD COLUMN previews TEXT NOT NULL DEFAULT '[]';
UPDATE pin_groups SET previews = ` + of("pin_groups.id") + `;
CREATE TRIGGER pins_ai_previews AFTER INSERT ON pins BEGIN
	UPDATE pin_groups SET previews = ` + of("NEW.group_id") + ` WHERE id = NEW.group_id;
END;
CREATE TRIGGER pins_ad_previews AFTER DELETE ON pins BEGIN
	UPDATE pin_groups SET previews = ` + of("OLD.group_id") + ` WHERE id = OLD.group_id;
END;
CREATE TRIGGER pins_au_previews AFTER UPDATE OF group_id, image_key, image_ext, image_w, image_h, image_alpha ON pins
	WHEN OLD.group_id <> NEW.group_id OR OLD.image_key <> NEW.image_key OR OLD.image_ext <> NEW.image_ext
		OR OLD.image_w <> NEW.image_w OR OLD.image_h <> NEW.image_h OR OLD.image_alpha <> NEW.image_alpha BEGIN
	UPDATE pin_groups SET previews = ` + of("pin_groups.id") + `
	WHERE id IN (OLD.group_id, NEW.group_id) OR id IN (SELECT group_id FROM saves WHERE pin_id = NEW.id);
END;
CREATE TRIGGER saves_ai_previews AFTER INSERT ON saves BEGIN
	UPDATE pin_groups SET previews = ` + of("NEW.group_id") + ` WHERE id = NEW.group_id;
END;
CREATE TRIGGER saves_ad_previews AFTER DELETE ON saves BEGIN
	UPDATE pin_groups SET previews = ` + of("OLD.group_id") + ` WHERE id = OLD.group_id;
END;
`
}

// migrationSteps are the parts of a step that need Go (store.Words),
// run in the step's transaction after its SQL, by step number.
var migrationSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	2: numberGroups,
}

// numberGroups gives every existing group its seq, in id order, and
// indexes the titles of the public ones.
func numberGroups(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, title, secret FROM pin_groups ORDER BY id`)
	if err != nil {
		return err
	}
	type group struct {
		id     []byte
		title  string
		secret bool
	}
	var gs []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.id, &g.title, &g.secret); err != nil {
			rows.Close()
			return err
		}
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, g := range gs {
		if _, err := tx.ExecContext(ctx, `UPDATE pin_groups SET seq = ? WHERE id = ?`, i+1, g.id); err != nil {
			return err
		}
		if g.secret {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_words (rowid, words) VALUES (?, ?)`,
			i+1, groupWords(g.title)); err != nil {
			return err
		}
	}
	return nil
}

// migrate applies every migration the database has not seen, each in its
// own transaction with its version bump, so a crash leaves a whole step
// or none.
func migrate(ctx context.Context, db *sql.DB, upgrading func(from, to int)) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("sqlitestore: read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("sqlitestore: the database is at schema version %d, newer than this program (%d): run a newer release", version, len(migrations))
	}
	if version > 0 && version < len(migrations) && upgrading != nil {
		upgrading(version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlitestore: schema step %d: %w", v+1, err)
		}
		if step := migrationSteps[v+1]; step != nil {
			if err := step(ctx, tx); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("sqlitestore: schema step %d: %w", v+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlitestore: schema step %d: %w", v+1, err)
		}
	}
	return nil
}
