package sqlitestore

import (
	"context"
	"strings"
	"unicode/utf8"
)

// prefixIndexed is the longest prefix, in characters, that pin_words keeps
// an index for (prefix = '1 2 3' in schema step 1).
const prefixIndexed = 3

// maxExpansion bounds the words one search term may stand for; a term
// starting more words than this (rare: 4 characters or more in common
// words) is left to FTS5's prefix query.
const maxExpansion = 128

// matchExpr returns the FTS5 query for terms (store.SearchTerms): each term
// must start a word. A term of up to 3 characters is a prefix query served
// by its prefix index; a longer one becomes the OR of the exact words it
// starts (search_terms, schema step 2), which FTS5 reads lazily newest
// first, where a prefix query would first merge every matching row. It
// returns "" when some term starts no word: nothing matches.
func (s *Store) matchExpr(ctx context.Context, terms []string) (string, error) {
	if len(terms) == 0 {
		return "", nil
	}
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		// Words hold letters and digits only: nothing to escape.
		if utf8.RuneCountInString(t) <= prefixIndexed {
			parts = append(parts, `"`+t+`"*`)
			continue
		}
		words, err := s.wordsStarting(ctx, t)
		if err != nil {
			return "", err
		}
		switch {
		case len(words) == 0:
			return "", nil
		case len(words) > maxExpansion:
			parts = append(parts, `"`+t+`"*`)
		default:
			for i, w := range words {
				words[i] = `"` + w + `"`
			}
			parts = append(parts, "("+strings.Join(words, " OR ")+")")
		}
	}
	return strings.Join(parts, " AND "), nil
}

// wordsStarting returns up to maxExpansion+1 indexed words that start with
// prefix: a range of the primary key (UTF-8 never holds the byte 0xff, so
// every such word sorts below prefix+"\xff").
func (s *Store) wordsStarting(ctx context.Context, prefix string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT term FROM search_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?`,
		prefix, prefix+"\xff", maxExpansion+1)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, mapErr(rows.Err())
}
