package storetest

import (
	"fmt"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/text/unicode/norm"

	"mypinterest/store"
)

// searchTests: each term of q must match the start of a word of a pin's
// title or content, case-insensitively, Hangul included (docs/API.md §Search,
// store/search.go).
var searchTests = []conformanceTest{
	{"word prefixes", testSearchWordPrefixes},
	{"pages", testSearchPages},
}

func testSearchWordPrefixes(t *testing.T, s *suite) {
	st := s.store(t)
	a, b := newUser(t, st, "a").ID, newUser(t, st, "b").ID
	ga, gb := newGroup(t, st, a), newGroup(t, st, b)
	pin := func(author, group bson.ObjectID, title, content string) bson.ObjectID {
		return newPin(t, st, author, group, title, content).ID
	}
	cat := pin(a, ga, "고양이 사진", "")
	cats := pin(a, ga, "Cats and dogs", "")
	seoul := pin(b, gb, "plain", "Trip to SEOUL in spring")
	seaside := pin(b, gb, "sea-side walk", "the tide")
	pin(a, ga, "regex .* here", "")
	pin(b, gb, "other", "nothing")
	pin(a, ga, "concatenate", "scatter")
	redApple := pin(b, gb, "Red", "apple pie")
	redCar := pin(a, ga, "red car", "")
	year := pin(a, ga, "Trip 2024", "")
	none := []bson.ObjectID(nil)
	cases := []struct {
		name string
		q    store.PinQuery
		want []bson.ObjectID // newest first
	}{
		{"hangul prefix", store.PinQuery{Query: "고양"}, []bson.ObjectID{cat}},
		{"hangul second word", store.PinQuery{Query: "사진"}, []bson.ObjectID{cat}},
		{"hangul typed as jamo", store.PinQuery{Query: norm.NFD.String("고양")}, []bson.ObjectID{cat}},
		{"hangul inside a word", store.PinQuery{Query: "양이"}, none},
		{"prefix of a word, any case", store.PinQuery{Query: "cat"}, []bson.ObjectID{cats}},
		{"upper-case query", store.PinQuery{Query: "CAT"}, []bson.ObjectID{cats}},
		{"whole word", store.PinQuery{Query: "cats"}, []bson.ObjectID{cats}},
		{"longer than the word", store.PinQuery{Query: "catsup"}, none},
		{"inside a word", store.PinQuery{Query: "at"}, none},
		{"end of a word", store.PinQuery{Query: "eoul"}, none},
		{"in the content", store.PinQuery{Query: "seoul"}, []bson.ObjectID{seoul}},
		{"after a hyphen", store.PinQuery{Query: "side"}, []bson.ObjectID{seaside}},
		{"two terms", store.PinQuery{Query: "sea side"}, []bson.ObjectID{seaside}},
		{"two terms, title and content", store.PinQuery{Query: "red apple"}, []bson.ObjectID{redApple}},
		{"two terms in any order", store.PinQuery{Query: "APPLE red"}, []bson.ObjectID{redApple}},
		{"two terms, one unmatched", store.PinQuery{Query: "red banana"}, none},
		{"one term, several pins", store.PinQuery{Query: "red"}, []bson.ObjectID{redCar, redApple}},
		{"digits", store.PinQuery{Query: "202"}, []bson.ObjectID{year}},
		{"words of both fields", store.PinQuery{Query: "trip"}, []bson.ObjectID{year, seoul}},
		{"punctuation around a term", store.PinQuery{Query: "«cat!»"}, []bson.ObjectID{cats}},
		{"punctuation only", store.PinQuery{Query: ".*"}, none},
		{"symbols only", store.PinQuery{Query: "!!! ???"}, none},
		{"a regular expression is text", store.PinQuery{Query: "(x"}, none},
		{"one author", store.PinQuery{AuthorID: a, Query: "red"}, []bson.ObjectID{redCar}},
		{"one author, content", store.PinQuery{AuthorID: b, Query: "SPRING"}, []bson.ObjectID{seoul}},
		{"one author, no match", store.PinQuery{AuthorID: a, Query: "seoul"}, none},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, next, err := st.FindPins(t.Context(), tc.q, bson.NilObjectID, store.Page{})
			if err != nil || next != nil {
				t.Fatalf("q %q: next %v, %v", tc.q.Query, next, err)
			}
			var titles []string
			for _, it := range items {
				titles = append(titles, it.Title)
			}
			if got := ids(items, pinID); !slices.Equal(got, tc.want) {
				t.Fatalf("q %q found %q, want %d pins", tc.q.Query, titles, len(tc.want))
			}
		})
	}
}

// testSearchPages: a search pages newest first like every list, and pins
// created, edited or deleted afterwards show in the next search.
func testSearchPages(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	me := newUser(t, st, "me").ID
	g := newGroup(t, st, me)
	var want []bson.ObjectID
	for i := range 30 {
		want = append([]bson.ObjectID{newPin(t, st, me, g, fmt.Sprintf("match %d", i), "").ID}, want...)
		if i%3 == 0 {
			newPin(t, st, me, g, "nomatch", "unmatched")
		}
	}
	search := func(q string) []bson.ObjectID {
		t.Helper()
		pins, _ := allPages(t, 7, func(p store.Page) ([]store.PinView, *string, error) {
			return st.FindPins(ctx, store.PinQuery{Query: q}, me, p)
		})
		return ids(pins, pinID)
	}
	wantIDs(t, "match", search("match"), want)

	// Edits and deletions change what a search finds.
	title := "renamed"
	if _, err := st.UpdatePin(ctx, want[0], me, store.PinPatch{Title: &title}); err != nil {
		t.Fatal(err)
	}
	content := "a match after all"
	if _, err := st.UpdatePin(ctx, want[1], me, store.PinPatch{Title: &title, Content: &content}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeletePin(ctx, want[2], me); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "match after edits", search("match"), append([]bson.ObjectID{want[1]}, want[3:]...))
	wantIDs(t, "renamed", search("RENAMED"), want[:2])
}
