package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Search semantics, the same in every store (docs/API.md §Search): text is split into
// words at every character that is neither a letter nor a digit, words
// are compared lower-cased and NFC-composed (so Hangul typed as separate
// jamo matches), and each term of a query must be the start of some word
// of the pin's title or content.

// MaxSearchTerms bounds the terms of one query: more add no precision
// but cost one more index range each.
const MaxSearchTerms = 8

// Words returns the distinct words of text, lower-cased, in order of first
// appearance.
func Words(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(norm.NFC.String(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	seen := make(map[string]bool, len(fields))
	out := fields[:0]
	for _, w := range fields {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// SearchTerms returns the terms of a query: its words, at most
// MaxSearchTerms of them. A query without any word matches nothing.
func SearchTerms(q string) []string {
	terms := Words(q)
	if len(terms) > MaxSearchTerms {
		terms = terms[:MaxSearchTerms]
	}
	return terms
}
