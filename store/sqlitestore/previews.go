package sqlitestore

import (
	"encoding/json"
	"fmt"

	"mypinterest/store"
)

// parsePreviews decodes a group's previews column (schema step 4): a JSON
// array of [key, ext, width, height, alpha]. SQLite writes it without
// spaces, and keys and extensions need no escapes, so scanPreviews reads
// it directly; anything else it leaves to encoding/json. Decoding it with
// encoding/json into []any alone was 6 % of a profile page's CPU.
func parsePreviews(raw string) ([]store.ImageRef, error) {
	if out, ok := scanPreviews(raw); ok {
		return out, nil
	}
	return decodePreviews(raw)
}

// decodePreviews is parsePreviews by encoding/json.
func decodePreviews(raw string) ([]store.ImageRef, error) {
	var rows [][5]any
	if err := json.Unmarshal([]byte(raw), &rows); err != nil {
		return nil, fmt.Errorf("sqlitestore: group previews: %w", err)
	}
	out := make([]store.ImageRef, len(rows))
	for i, r := range rows {
		key, _ := r[0].(string)
		ext, _ := r[1].(string)
		w, _ := r[2].(float64)
		h, _ := r[3].(float64)
		alpha, _ := r[4].(float64)
		out[i] = store.ImageRef{Key: key, Ext: ext, Width: int(w), Height: int(h), Alpha: alpha != 0}
	}
	return out, nil
}

// scanPreviews decodes the previews column as SQLite writes it, or
// reports false for any other text (whitespace, an escape, a number that
// is not a plain integer), which parsePreviews then decodes.
func scanPreviews(raw string) ([]store.ImageRef, bool) {
	p := previewScanner{rest: raw}
	if !p.take('[') {
		return nil, false
	}
	out := []store.ImageRef{}
	if p.take(']') {
		return out, len(p.rest) == 0
	}
	for {
		var r store.ImageRef
		var alpha int
		ok := p.take('[') && p.str(&r.Key) && p.take(',') && p.str(&r.Ext) && p.take(',') &&
			p.num(&r.Width) && p.take(',') && p.num(&r.Height) && p.take(',') && p.num(&alpha) && p.take(']')
		if !ok {
			return nil, false
		}
		r.Alpha = alpha != 0
		out = append(out, r)
		if p.take(']') {
			return out, len(p.rest) == 0
		}
		if !p.take(',') {
			return nil, false
		}
	}
}

type previewScanner struct{ rest string }

func (p *previewScanner) take(c byte) bool {
	if len(p.rest) == 0 || p.rest[0] != c {
		return false
	}
	p.rest = p.rest[1:]
	return true
}

// str reads a quoted string of printable ASCII without escapes.
func (p *previewScanner) str(dst *string) bool {
	if !p.take('"') {
		return false
	}
	for end := range len(p.rest) {
		c := p.rest[end]
		switch {
		case c == '"':
			*dst = p.rest[:end]
			p.rest = p.rest[end+1:]
			return true
		case c < 0x20 || c > 0x7e || c == '\\':
			return false
		}
	}
	return false
}

// num reads an integer from 0 to 999,999,999 as JSON spells it (no
// leading zero).
func (p *previewScanner) num(dst *int) bool {
	n, end := 0, 0
	for ; end < len(p.rest) && p.rest[end] >= '0' && p.rest[end] <= '9'; end++ {
		if end == 9 || (end == 1 && p.rest[0] == '0') {
			return false
		}
		n = n*10 + int(p.rest[end]-'0')
	}
	*dst, p.rest = n, p.rest[end:]
	return end > 0
}
