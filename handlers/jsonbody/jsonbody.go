// Package jsonbody decodes the JSON body of an API request: strict about
// syntax, types and the content type, lenient about unknown fields. It is
// apart from handlers so that its fuzz target builds without the stores
// the handlers' tests link.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"

	"mypinterest/store"
)

// Decode reads body into dst, which must be a pointer to a struct. It is
// strict about syntax and types — a string field given an object, such as
// {"email":{"$gt":""}}, is a 400 before anything reaches the database —
// and lenient about unknown fields, so that clients may send more than an
// endpoint reads. An empty body is a 400 too: every caller needs one. The
// body must say Content-Type: application/json (415 otherwise, docs/API.md §Conventions):
// a browser can post text/plain across sites without asking, and
// JSON-looking text/plain is how a forged form would reach a JSON
// endpoint.
func Decode(contentType string, raw []byte, dst any) error {
	body := bytes.TrimSpace(raw)
	if len(body) == 0 {
		return store.Errorf(store.EMalformed, "A JSON body is required.")
	}
	if !IsJSON(contentType) {
		return store.Errorf(store.EUnsupported, "Send the body as JSON, with Content-Type: application/json.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return malformed(err)
	}
	// One value only: "{} {}" or "{}x" is as malformed as a syntax error.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return store.Errorf(store.EMalformed, "Malformed JSON: unexpected data after the object.")
	}
	return nil
}

// IsJSON reports whether a Content-Type header says JSON (parameters such
// as charset allowed).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// malformed describes a decoding failure without echoing the body.
func malformed(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return &store.Error{
			Code:    store.EMalformed,
			Message: "Malformed JSON: wrong type.",
			Fields:  map[string]store.Reason{typeErr.Field: {Code: store.ReasonWrongType, Values: []string{typeErr.Type.String()}}},
		}
	}
	return store.Errorf(store.EMalformed, "Malformed JSON.")
}
