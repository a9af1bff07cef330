package mongostore

import (
	"context"
	"fmt"
	"mypinterest/store"
	"regexp"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Search (docs/API.md §Search): every pin document carries terms, the distinct words
// of its title and content as store.Words defines them (lower-cased,
// NFC). A query matches a pin when each of its terms starts some element
// of terms. An anchored, case-sensitive regex /^term/ is a range of the
// multikey index on terms on MongoDB (terms are lower-case already, so no
// "i" flag, which would defeat the range). FerretDB 1.24 evaluates the
// same filter, by scanning.
//
// Cost on MongoDB: the planner scans the range of one term (or walks _id
// newest first, filtering, when that finds a page sooner) and sorts the
// matches by _id for the page. A page thus costs about the number of
// pins with a word starting with that term: small for a word, large for
// a one-letter prefix. Only a prefix index (every prefix of every word
// stored, several times the terms) would make that flat too.

// pinDoc is a pin as stored: the domain's fields and the derived terms.
type pinDoc struct {
	store.Pin `bson:",inline"`
	Terms     []string `bson:"terms"`
}

// newPinDoc derives the stored document of p.
func newPinDoc(p store.Pin) pinDoc {
	return pinDoc{Pin: p, Terms: pinTerms(p.Title, p.Content)}
}

// pinTerms are the words a pin is found by, never nil (BSON null would
// read as "not backfilled yet").
func pinTerms(title, content string) []string {
	terms := store.Words(title + " " + content)
	if terms == nil {
		terms = []string{}
	}
	return terms
}

// pinProjection leaves terms out of every pin read: the domain never
// shows them, and they can be as long as the content.
var pinProjection = bson.D{{Key: "terms", Value: 0}}

// termsFilter is the filter of a search: for each term, some element of
// terms starts with it. The terms come from store.SearchTerms, so there
// are at most store.MaxSearchTerms index ranges.
func termsFilter(terms []string) bson.E {
	all := make(bson.A, len(terms))
	for i, t := range terms {
		// QuoteMeta: a term is text, never a pattern. Words holds only
		// letters and digits, so this changes nothing today; it keeps
		// the pattern a plain prefix (an index range) whatever Words
		// becomes.
		all[i] = bson.D{{Key: "terms", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(t)}}}}
	}
	// $and, not $all: FerretDB 1.24 answers $all with regexes wrongly
	// (no match).
	return bson.E{Key: "$and", Value: all}
}

// backfillBatch is how many pins one round of backfillTerms updates (a
// variable for tests).
var backfillBatch = 500

// bulkWriteMax bounds the updates of one command. FerretDB 1.24 applies
// each in 5-20 ms (measured, by _id, 500 pins), ten times that in a test
// binary built with -race, and must answer within the client's timeout.
const bulkWriteMax = 25

// backfillAttempts bounds how often backfillTerms rewrites the terms of a
// pin whose text keeps changing under it; its editors write consistent
// terms themselves.
const backfillAttempts = 3

// backfillTerms gives terms to every pin that lacks them (documents
// written before search terms existed, or by an older instance). Each
// round reads a batch of such pins, sets their terms with one bulk write
// and reads the batch again: a pin edited between the read and the write
// (by an instance that writes no terms, or one that wrote terms this
// write just replaced) is rewritten from its new text. Running it again
// finds nothing.
//
// The writes select by _id alone: FerretDB 1.24 pushes only such a
// filter down to SQLite, and a legacy FerretDB data directory (opened to
// be copied elsewhere) would otherwise be decoded once per pin.
func (s *Store) backfillTerms(ctx context.Context) error {
	// {terms: null} matches a missing field and, unlike $exists: false,
	// is the null point of the terms index on MongoDB. Stored terms are
	// never null.
	missing := bson.E{Key: "terms", Value: nil}
	opts := options.Find().SetLimit(int64(backfillBatch)).SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetProjection(bson.D{{Key: "title", Value: 1}, {Key: "content", Value: 1}})
	var after bson.ObjectID
	for {
		filter := bson.D{missing}
		if !after.IsZero() {
			// Past pins whose terms could not be settled, so that the
			// loop always advances.
			filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
		}
		cur, err := s.pins.Find(ctx, filter, opts)
		if err != nil {
			return fmt.Errorf("store: backfill search terms: %w", err)
		}
		var batch []pinDoc
		if err := cur.All(ctx, &batch); err != nil {
			return fmt.Errorf("store: backfill search terms: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		after = batch[len(batch)-1].ID
		for attempt := 0; len(batch) > 0 && attempt < backfillAttempts; attempt++ {
			if batch, err = s.writeTerms(ctx, batch); err != nil {
				return fmt.Errorf("store: backfill search terms: %w", err)
			}
		}
	}
}

// writeTerms sets the terms of pins from their title and content, then
// reads them again and returns those whose text changed meanwhile, as
// they are now.
func (s *Store) writeTerms(ctx context.Context, pins []pinDoc) ([]pinDoc, error) {
	models := make([]mongo.WriteModel, len(pins))
	ids := make([]bson.ObjectID, len(pins))
	for i, p := range pins {
		ids[i] = p.ID
		models[i] = mongo.NewUpdateOneModel().
			SetFilter(bson.D{{Key: "_id", Value: p.ID}}).
			SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "terms", Value: pinTerms(p.Title, p.Content)}}}})
	}
	for start := 0; start < len(models); start += bulkWriteMax {
		if _, err := s.pins.BulkWrite(ctx, models[start:min(start+bulkWriteMax, len(models))]); err != nil {
			return nil, err
		}
	}
	cur, err := s.pins.Find(ctx, bson.D{{Key: "_id", Value: inSet(ids)}},
		options.Find().SetProjection(bson.D{{Key: "title", Value: 1}, {Key: "content", Value: 1}, {Key: "terms", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var now []pinDoc
	if err := cur.All(ctx, &now); err != nil {
		return nil, err
	}
	var changed []pinDoc
	for _, p := range now {
		if !slices.Equal(p.Terms, pinTerms(p.Title, p.Content)) {
			changed = append(changed, p)
		}
	}
	return changed, nil
}
