package store

import "go.mongodb.org/mongo-driver/v2/bson"

// RelatedGroups bounds, in every store, the groups whose pins are a pin's
// neighbours: its own and the groups it was saved into, of which a popular
// pin may have thousands.
const RelatedGroups = 20

// RelatedPage is one decoded page of a pin's related pins (docs/API.md §Related pins), a
// list in two parts, each newest first: the pins sharing a group with the
// pin, then those sharing a word of its title. A cursor is scoped to the
// part it continues, so both stores read and write it here.
type RelatedPage struct {
	After   bson.ObjectID // the last pin of the previous page; zero on the first
	Limit   int
	InWords bool // the cursor continues the second part (title words)

	groups, words ListScope
}

// DecodeRelated decodes p for pin's related list under the stores' cursor
// key: a cursor of either part, or none.
func DecodeRelated(key []byte, pin bson.ObjectID, p Page) (RelatedPage, error) {
	r := RelatedPage{
		groups: ListScope{Key: key, Name: "related:" + pin.Hex()},
		words:  ListScope{Key: key, Name: "related-words:" + pin.Hex()},
	}
	var err error
	if r.After, r.Limit, err = p.Decode(r.groups); err != nil {
		if r.After, r.Limit, err = p.Decode(r.words); err != nil {
			return RelatedPage{}, err
		}
		r.InWords = true
	}
	return r, nil
}

// Next is the cursor after last, in the part it belongs to (inWords: the
// title words).
func (r RelatedPage) Next(last bson.ObjectID, inWords bool) *string {
	sc := r.groups
	if inWords {
		sc = r.words
	}
	c := EncodeCursor(sc, last)
	return &c
}
