package mongostore

import (
	"context"
	"errors"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CreatePin validates and stores a new pin of author in one of author's own
// groups.
func (s *Store) CreatePin(ctx context.Context, author bson.ObjectID, in store.PinInput, img store.ImageRef) (*store.PinView, error) {
	f := store.Fields{}
	p := store.NewPinRecord(author, in, img, f)
	if !in.GroupID.IsZero() {
		if ok, err := s.groupAlive(ctx, in.GroupID, author); err != nil {
			return nil, err
		} else if !ok {
			f.Add("group_id", store.Reason{Code: store.ReasonNotYourGroup})
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if _, err := s.pins.InsertOne(ctx, newPinDoc(p)); err != nil {
		return nil, mapErr(err)
	}
	if err := s.afterPinPlaced(ctx, p); err != nil {
		return nil, err
	}
	s.invalidate(userCountsKey(author), groupPinCountKey(p.GroupID), firstPinsKey, authorFirstPinsKey(author))
	if err := s.refreshPreviews(ctx, p.GroupID); err != nil {
		return nil, err
	}
	return s.pinView(ctx, p, author)
}

// afterPinPlaced closes the race with a concurrent group deletion: if the
// group was marked deleting after our check but its cascade already swept
// the group's pins, this pin would be orphaned, so it deletes itself.
// The check runs after the write, which makes one of the two sides see the
// other.
func (s *Store) afterPinPlaced(ctx context.Context, p store.Pin) error {
	ok, err := s.groupAlive(ctx, p.GroupID, p.AuthorID)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	if err := s.deletePins(ctx, []store.Pin{p}); err != nil {
		return err
	}
	return store.FieldError("group_id", store.Reason{Code: store.ReasonNotYourGroup})
}

// loadPin returns a visible pin, cached under pin:<id>.
func (s *Store) loadPin(ctx context.Context, id bson.ObjectID) (store.Pin, error) {
	return cached(ctx, s.cache, pinKey(id), func() (store.Pin, error) {
		var p store.Pin
		err := s.pins.FindOne(ctx, bson.D{{Key: "_id", Value: id}, skipDeleting},
			options.FindOne().SetProjection(pinProjection)).Decode(&p)
		return p, mapErr(err)
	})
}

// pinAlive reports whether pin id is visible, reading the database: writes
// of comments, likes and bookmarks call it after inserting to detect a
// concurrent pin deletion that may have missed their document.
func (s *Store) pinAlive(ctx context.Context, id bson.ObjectID) (bool, error) {
	err := s.pins.FindOne(ctx, bson.D{{Key: "_id", Value: id}, skipDeleting},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// pinView hydrates one pin for viewer; a pin whose author is gone is not
// found.
func (s *Store) pinView(ctx context.Context, p store.Pin, viewer bson.ObjectID) (*store.PinView, error) {
	views, err := s.hydratePins(ctx, []store.Pin{p}, viewer)
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, store.ErrNotFound
	}
	return &views[0], nil
}

// FindPin returns pin id with its author, counts and, for a signed-in
// viewer (not NilObjectID), whether they liked and bookmarked it.
func (s *Store) FindPin(ctx context.Context, id, viewer bson.ObjectID) (*store.PinView, error) {
	p, err := s.loadPin(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.pinView(ctx, p, viewer)
}

// ownPin reads pin id fresh and checks that actor wrote it.
func (s *Store) ownPin(ctx context.Context, id, actor bson.ObjectID) (store.Pin, error) {
	var p store.Pin
	if err := s.pins.FindOne(ctx, bson.D{{Key: "_id", Value: id}, skipDeleting},
		options.FindOne().SetProjection(pinProjection)).Decode(&p); err != nil {
		return p, mapErr(err)
	}
	if p.AuthorID != actor {
		return p, store.ErrForbidden
	}
	return p, nil
}

// UpdatePin applies patch to pin id if actor wrote it; moving it to another
// group requires that group to be actor's own.
func (s *Store) UpdatePin(ctx context.Context, id, actor bson.ObjectID, patch store.PinPatch) (*store.PinView, error) {
	for attempt := 0; ; attempt++ {
		old, err := s.ownPin(ctx, id, actor)
		if err != nil {
			return nil, err
		}
		p, err := s.updatePinFrom(ctx, old, patch)
		if errors.Is(err, errEditedMeanwhile) && attempt < maxEditAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return s.pinView(ctx, p, actor)
	}
}

// maxEditAttempts bounds the retries of an edit that keeps losing to
// concurrent edits of the same pin's text.
const maxEditAttempts = 5

// errEditedMeanwhile is a text edit whose pin changed title or content
// between the read and the write.
var errEditedMeanwhile = store.Errorf(store.EConflict, "The pin was edited meanwhile; try again.")

// updatePinFrom writes patch over old, the pin as just read. The terms
// are derived from the title and content the pin ends up with, so an
// edit of either is conditional on both still being old's: two concurrent
// edits (one of the title, one of the content) would otherwise leave
// terms that match neither.
func (s *Store) updatePinFrom(ctx context.Context, old store.Pin, patch store.PinPatch) (store.Pin, error) {
	f := store.Fields{}
	set := patchSet(f, patch.Title, patch.Content, patch.Image)
	filter := bson.D{{Key: "_id", Value: old.ID}, {Key: "author_id", Value: old.AuthorID}, skipDeleting}
	textEdit := patch.Title != nil || patch.Content != nil
	if textEdit {
		title, content := old.Title, old.Content
		for _, e := range set {
			switch e.Key {
			case "title":
				title = e.Value.(string)
			case "content":
				content = e.Value.(string)
			}
		}
		set = append(set, bson.E{Key: "terms", Value: pinTerms(title, content)})
		filter = append(filter, bson.E{Key: "title", Value: old.Title}, bson.E{Key: "content", Value: old.Content})
	}
	moved := patch.GroupID != nil && *patch.GroupID != old.GroupID
	if moved {
		if ok, err := s.groupAlive(ctx, *patch.GroupID, old.AuthorID); err != nil {
			return store.Pin{}, err
		} else if !ok {
			f.Add("group_id", store.Reason{Code: store.ReasonNotYourGroup})
		}
		set = append(set, bson.E{Key: "group_id", Value: *patch.GroupID})
	}
	if err := f.Err(); err != nil {
		return store.Pin{}, err
	}
	set = append(set, bson.E{Key: "updated_at", Value: store.Now()})
	var p store.Pin
	err := s.pins.FindOneAndUpdate(ctx, filter,
		bson.D{{Key: "$set", Value: set}},
		// No projection: FerretDB 1.24 rejects one in findAndModify.
		// Decoding into store.Pin drops the terms.
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) && textEdit {
		// Gone, or edited meanwhile: the caller reads it again.
		return store.Pin{}, errEditedMeanwhile
	}
	if err != nil {
		return store.Pin{}, mapErr(err)
	}
	keys := []string{pinKey(old.ID), firstPinsKey}
	if moved {
		keys = append(keys, groupPinCountKey(old.GroupID), groupPinCountKey(p.GroupID))
	}
	s.invalidate(keys...)
	if moved {
		if err := s.afterPinPlaced(ctx, p); err != nil {
			return store.Pin{}, err
		}
		// Posted into a group it was saved into: it is there once.
		if err := s.deleteSaves(ctx, bson.D{{Key: "pin_id", Value: p.ID}, {Key: "group_id", Value: p.GroupID}}); err != nil {
			return store.Pin{}, err
		}
		if err := s.refreshPreviews(ctx, old.GroupID, p.GroupID); err != nil {
			return store.Pin{}, err
		}
	}
	return p, nil
}

// DeletePin deletes pin id and everything hanging from it, if actor wrote
// it.
func (s *Store) DeletePin(ctx context.Context, id, actor bson.ObjectID) error {
	p, err := s.ownPin(ctx, id, actor)
	if err != nil {
		return err
	}
	return s.deletePins(ctx, []store.Pin{p})
}

// deletePins is the pin cascade for a batch, without a transaction: mark
// the pins deleting (hidden at once) and drop their cache entries, delete
// their comments, likes, bookmarks and notifications, and delete the pins
// last. Only ID, AuthorID and GroupID of pins are used. Interrupted at any
// step, it is finished by resumePinDeletions.
func (s *Store) deletePins(ctx context.Context, pins []store.Pin) error {
	if len(pins) == 0 {
		return nil
	}
	ctx = longRunning(ctx) // a popular pin has many comments and likes
	ids := make([]bson.ObjectID, len(pins))
	keys := []string{firstPinsKey}
	for i, p := range pins {
		ids[i] = p.ID
		keys = append(keys, pinKeys(p)...)
	}
	byID := bson.D{{Key: "_id", Value: inSet(ids)}}
	if _, err := s.pins.UpdateMany(ctx, byID,
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		return err
	}
	s.invalidate(keys...)
	byPin := bson.D{{Key: "pin_id", Value: inSet(ids)}}
	if err := s.deleteSaves(ctx, byPin); err != nil {
		return err
	}
	for _, c := range []*collection{s.comments, s.likes, s.bookmarks, s.notifications} {
		if _, err := c.DeleteMany(ctx, byPin); err != nil {
			return err
		}
	}
	if _, err := s.pins.DeleteMany(ctx, byID); err != nil {
		return err
	}
	groups := make([]bson.ObjectID, len(pins))
	for i, p := range pins {
		groups[i] = p.GroupID
	}
	return s.refreshPreviews(ctx, groups...)
}

// resumePinDeletions finishes every pin cascade a crash interrupted.
func (s *Store) resumePinDeletions(ctx context.Context) error {
	_, err := s.sweepPins(ctx, bson.D{{Key: "deleting", Value: true}})
	return err
}
