package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// pinViewCols are a pin hydrated for a viewer, packed into one value
// (packed.go): the pin, its counts, its author's card, whether the viewer
// (the first three arguments of the query) liked and bookmarked it and
// which of the viewer's groups it was saved into (hex ids,
// comma-separated, the rest of the row). Every page of pins is one query
// whatever its length.
var pinViewCols = packed(
	packID("p.id"), packID("p.author_id"), packID("p.group_id"), packImage("p.image"),
	packInt("p.created_at"), packInt("p.updated_at"),
	packInt("p.like_count"), packInt("p.bookmark_count"), packInt("p.comment_count"), packInt("p.save_count"),
	packStr("p.title"), packStr("p.content"), packStr("u.nickname"), packImage("u.avatar"),
	viewerCols)

// viewerCols end pinViewCols: the viewer's like, bookmark and saves, an
// index lookup each, made only when the pin's count says there is
// something to find (the counts change in the same transaction as the
// rows, so a reader never sees one without the other). Most pins have
// none of one kind or another: two pins in three no like, more than four
// in five no bookmark and no save. Signed out, queryPins puts anonCols
// instead.
var (
	viewerCols = packInt(`CASE WHEN p.like_count = 0 THEN 0 ELSE EXISTS (SELECT 1 FROM likes WHERE user_id = ? AND pin_id = p.id) END`) + `,
	` + packInt(`CASE WHEN p.bookmark_count = 0 THEN 0 ELSE `+bookmarkedCol+` END`) + `,
	CASE WHEN p.save_count = 0 THEN NULL ELSE (SELECT group_concat(hex(group_id)) FROM saves WHERE user_id = ? AND pin_id = p.id) END`
	anonCols = packInt(`0`) + `, ` + packInt(`0`)
)

// bookmarkedCol is whether the viewer bookmarked pin p.
const bookmarkedCol = `EXISTS (SELECT 1 FROM bookmarks WHERE user_id = ? AND pin_id = p.id)`

// pinViewFrom is the FROM clause that goes with pinViewCols.
const pinViewFrom = ` FROM pins p JOIN users u ON u.id = p.author_id `

// unpackPinView reads a row of pinViewCols.
func unpackPinView(row string) (store.PinView, error) {
	var v store.PinView
	u := unpacker{s: row}
	v.ID, v.AuthorID, v.GroupID, v.Image = u.id(), u.id(), u.id(), u.image()
	v.CreatedAt, v.UpdatedAt = fromMS(u.int()), fromMS(u.int())
	v.Counts = store.PinCounts{Likes: u.int(), Bookmarks: u.int(), Comments: u.int(), Saves: u.int()}
	v.Title, v.Content, v.Author.Nickname, v.Author.Avatar = u.str(), u.str(), u.str(), u.image()
	v.LikedByMe, v.BookmarkedByMe = u.bool(), u.bool()
	v.SavedGroupIDs = parseHexIDs(u.rest())
	v.Author.ID = v.AuthorID
	return v, u.done()
}

// parseHexIDs parses a comma-separated list of hex ids into sorted ids
// (never nil).
func parseHexIDs(list string) []bson.ObjectID {
	out := []bson.ObjectID{}
	if list == "" {
		return out
	}
	for _, h := range strings.Split(list, ",") {
		if id, err := bson.ObjectIDFromHex(strings.ToLower(h)); err == nil {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b bson.ObjectID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// queryPins runs a query selecting pinViewCols for viewer and returns its
// rows in order; args follow the viewer's three.
func queryPins(ctx context.Context, q querier, viewer bson.ObjectID, query string, args ...any) ([]store.PinView, error) {
	pins, _, err := queryPinRows(ctx, q, viewer, false, query, args...)
	return pins, err
}

// queryKeyedPage is queryPins for a list whose cursor runs over a key of
// its own (a bookmark's id, a group addition's id): the query selects that
// key after pinViewCols and at most limit+1 rows; the page is the first
// limit of them and the cursor the last one's key.
func queryKeyedPage(ctx context.Context, q querier, viewer bson.ObjectID, sc store.ListScope, limit int, query string, args ...any) ([]store.PinView, *string, error) {
	pins, keys, err := queryPinRows(ctx, q, viewer, true, query, args...)
	if err != nil || len(pins) <= limit {
		return pins, nil, err
	}
	c := store.EncodeCursor(sc, keys[limit-1])
	return pins[:limit], &c, nil
}

func queryPinRows(ctx context.Context, q querier, viewer bson.ObjectID, keyed bool, query string, args ...any) ([]store.PinView, []bson.ObjectID, error) {
	if viewer.IsZero() {
		// Nobody signed in has liked, bookmarked or saved anything.
		query = strings.Replace(query, viewerCols, anonCols, 1)
	} else {
		args = append([]any{viewer[:], viewer[:], viewer[:]}, args...)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, mapErr(err)
	}
	defer rows.Close()
	out := []store.PinView{}
	var keys []bson.ObjectID
	var row string
	var key bson.ObjectID
	dest := []any{&row}
	if keyed {
		dest = append(dest, idScan{&key})
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		v, err := unpackPinView(row)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, v)
		if keyed {
			keys = append(keys, key)
		}
	}
	return out, keys, mapErr(rows.Err())
}

// FindPin returns pin id hydrated for viewer.
func (s *Store) FindPin(ctx context.Context, id, viewer bson.ObjectID) (*store.PinView, error) {
	pins, err := queryPins(ctx, s.r, viewer, `SELECT `+pinViewCols+pinViewFrom+`WHERE p.id = ?`, id[:])
	if err != nil {
		return nil, err
	}
	if len(pins) == 0 {
		return nil, store.ErrNotFound
	}
	return &pins[0], nil
}

// indexWords writes what the search index holds for the pin in row seq:
// its words (store.Words), and each word into search_terms (search.go).
// update replaces the row's words instead of adding them.
func indexWords(ctx context.Context, tx *sql.Tx, seq int64, title, content string, update bool) error {
	words := store.Words(title + " " + content)
	q := `INSERT INTO pin_words (words, rowid) VALUES (?, ?)`
	if update {
		q = `UPDATE pin_words SET words = ? WHERE rowid = ?`
	}
	if _, err := tx.ExecContext(ctx, q, strings.Join(words, " "), seq); err != nil {
		return err
	}
	list, err := json.Marshal(words)
	if err != nil {
		return err
	}
	// One statement whatever the number of words (the cache keeps it).
	_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO search_terms (term) SELECT value FROM json_each(?)`, string(list))
	return err
}

// ownGroup checks inside tx that group id is owner's, recording why not
// in f under group_id.
func ownGroupField(ctx context.Context, tx *sql.Tx, f store.Fields, id, owner bson.ObjectID) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM pin_groups WHERE id = ? AND owner_id = ?`, id[:], owner[:]).Scan(&one)
	if err == sql.ErrNoRows {
		f.Add("group_id", store.Reason{Code: store.ReasonNotYourGroup})
		return nil
	}
	return err
}

// CreatePin validates and stores a new pin of author in one of author's
// own groups.
func (s *Store) CreatePin(ctx context.Context, author bson.ObjectID, in store.PinInput, img store.ImageRef) (*store.PinView, error) {
	f := store.Fields{}
	p := store.NewPinRecord(author, in, img, f)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if !in.GroupID.IsZero() {
			if err := ownGroupField(ctx, tx, f, in.GroupID, author); err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		return insertPin(ctx, tx, p)
	})
	if err != nil {
		return nil, err
	}
	return s.FindPin(ctx, p.ID, author)
}

// insertPin writes a pin and its words.
func insertPin(ctx context.Context, tx *sql.Tx, p store.Pin) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO pins (id, author_id, group_id, title, content,
		image_key, image_ext, image_w, image_h, image_alpha, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID[:], p.AuthorID[:], p.GroupID[:], p.Title, p.Content,
		p.Image.Key, p.Image.Ext, p.Image.Width, p.Image.Height, p.Image.Alpha, ms(p.CreatedAt), ms(p.UpdatedAt))
	if err != nil {
		return err
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return err
	}
	return indexWords(ctx, tx, seq, p.Title, p.Content, false)
}

// ownPin reads pin id inside tx and checks that actor wrote it.
func ownPin(ctx context.Context, tx *sql.Tx, id, actor bson.ObjectID) (seq int64, p store.Pin, err error) {
	err = tx.QueryRowContext(ctx, `SELECT seq, author_id, group_id, title, content FROM pins WHERE id = ?`, id[:]).
		Scan(&seq, idScan{&p.AuthorID}, idScan{&p.GroupID}, &p.Title, &p.Content)
	if err != nil {
		return 0, p, mapErr(err)
	}
	if p.AuthorID != actor {
		return 0, p, store.ErrForbidden
	}
	p.ID = id
	return seq, p, nil
}

// UpdatePin applies patch to pin id if actor wrote it; moving it to another
// group requires that group to be actor's own.
func (s *Store) UpdatePin(ctx context.Context, id, actor bson.ObjectID, patch store.PinPatch) (*store.PinView, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		seq, old, err := ownPin(ctx, tx, id, actor)
		if err != nil {
			return err
		}
		f := store.Fields{}
		tp := store.CheckPatch(f, patch.Title, patch.Content, patch.Image)
		group := old.GroupID
		if patch.GroupID != nil && *patch.GroupID != old.GroupID {
			if err := ownGroupField(ctx, tx, f, *patch.GroupID, actor); err != nil {
				return err
			}
			group = *patch.GroupID
		}
		if err := f.Err(); err != nil {
			return err
		}
		title, content := old.Title, old.Content
		if tp.Title != nil {
			title = *tp.Title
		}
		if tp.Content != nil {
			content = *tp.Content
		}
		set := `title = ?, content = ?, group_id = ?, updated_at = ?`
		args := []any{title, content, group[:], ms(store.Now())}
		if tp.Image != nil {
			set += `, image_key = ?, image_ext = ?, image_w = ?, image_h = ?, image_alpha = ?`
			args = append(args, tp.Image.Key, tp.Image.Ext, tp.Image.Width, tp.Image.Height, tp.Image.Alpha)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pins SET `+set+` WHERE seq = ?`, append(args, seq)...); err != nil {
			return err
		}
		if group != old.GroupID {
			// Posted into a group it was saved into: it is there once.
			if _, err := tx.ExecContext(ctx, `DELETE FROM saves WHERE pin_id = ? AND group_id = ?`, id[:], group[:]); err != nil {
				return err
			}
		}
		if title != old.Title || content != old.Content {
			err = indexWords(ctx, tx, seq, title, content, true)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.FindPin(ctx, id, actor)
}

// DeletePin deletes pin id, if actor wrote it, with its comments, likes,
// bookmarks, saves and notifications (foreign keys cascade in the same
// transaction).
func (s *Store) DeletePin(ctx context.Context, id, actor bson.ObjectID) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		seq, _, err := ownPin(ctx, tx, id, actor)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM pins WHERE seq = ?`, seq)
		return err
	})
}
