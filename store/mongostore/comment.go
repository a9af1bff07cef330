package mongostore

import (
	"context"
	"mypinterest/store"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreateComment adds author's comment to pin. It returns the pin too, so
// that the caller can notify the pin's author.
func (s *Store) CreateComment(ctx context.Context, pin, author bson.ObjectID, content string) (*store.CommentView, *store.Pin, error) {
	c := store.Comment{ID: bson.NewObjectID(), PinID: pin, AuthorID: author, Content: strings.TrimSpace(content)}
	f := store.Fields{}
	store.LimitRunes(f, "content", c.Content, true, store.MaxCommentRunes)
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	p, err := s.loadPin(ctx, pin)
	if err != nil {
		return nil, nil, err
	}
	// The author's card is read before the insert, so that once the
	// comment is in, only the pin-alive check stands between it and the
	// caller's live event.
	cards, err := s.FindCards(ctx, []bson.ObjectID{author})
	if err != nil {
		return nil, nil, err
	}
	card, ok := cards[author]
	if !ok {
		return nil, nil, store.ErrNotFound
	}
	c.CreatedAt = store.Now()
	if _, err := s.comments.InsertOne(ctx, c); err != nil {
		return nil, nil, mapErr(err)
	}
	if err := s.keepIfPinAlive(ctx, s.comments, c.ID, pin); err != nil {
		return nil, nil, err
	}
	s.invalidate(commentKeys(pin)...)
	// An author deleted meanwhile: their cascade removes the comment.
	return &store.CommentView{Comment: c, Author: card}, &p, nil
}

// FindComments lists the comments of pin, oldest first, with their
// authors' cards fetched in one query for the whole page.
func (s *Store) FindComments(ctx context.Context, pin bson.ObjectID, p store.Page) ([]store.CommentView, *string, error) {
	sc := s.listScope("comments:" + pin.Hex())
	after, limit, err := p.Decode(sc)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.loadPin(ctx, pin); err != nil {
		return nil, nil, err
	}
	var list []store.Comment
	if after.IsZero() {
		// The first page of a pin's comments is what every visitor
		// of the pin loads: cache the first MaxLimit+1 comments under
		// cm:<pin> (invalidated with pc:<pin> by every comment write).
		first, err := cached(ctx, s.cache, firstCommentsKey(pin), func() ([]store.Comment, error) {
			return s.findComments(ctx, pin, after, store.MaxLimit+1)
		})
		if err != nil {
			return nil, nil, err
		}
		list = first[:min(len(first), limit+1)]
	} else if list, err = s.findComments(ctx, pin, after, limit+1); err != nil {
		return nil, nil, err
	}
	list, next := store.NextCursor(sc, list, limit, func(c store.Comment) bson.ObjectID { return c.ID })
	authors := make([]bson.ObjectID, len(list))
	for i, c := range list {
		authors[i] = c.AuthorID
	}
	cards, err := s.FindCards(ctx, authors)
	if err != nil {
		return nil, nil, err
	}
	out := make([]store.CommentView, 0, len(list))
	for _, c := range list {
		// A missing card is an account deletion in progress: hide its
		// comments until the cascade removes them.
		if card, ok := cards[c.AuthorID]; ok {
			out = append(out, store.CommentView{Comment: c, Author: card})
		}
	}
	return out, next, nil
}

// DeleteComment deletes comment id if actor wrote it, and returns it so
// that the caller can tell the pin's watchers.
func (s *Store) DeleteComment(ctx context.Context, id, actor bson.ObjectID) (*store.Comment, error) {
	var c store.Comment
	if err := s.comments.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return nil, mapErr(err)
	}
	if c.AuthorID != actor {
		return nil, store.ErrForbidden
	}
	res, err := s.comments.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "author_id", Value: actor}})
	if err != nil {
		return nil, err
	}
	if res.DeletedCount == 0 {
		// A concurrent delete (or the pin's cascade) got there first.
		return nil, store.ErrNotFound
	}
	s.invalidate(commentKeys(c.PinID)...)
	return &c, nil
}

// findComments reads up to n comments of pin after the given id, oldest
// first.
func (s *Store) findComments(ctx context.Context, pin, after bson.ObjectID, n int) ([]store.Comment, error) {
	filter := bson.D{{Key: "pin_id", Value: pin}}
	if !after.IsZero() {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	cur, err := s.comments.Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(n)))
	if err != nil {
		return nil, err
	}
	var list []store.Comment
	if err := cur.All(ctx, &list); err != nil {
		return nil, err
	}
	return list, nil
}
