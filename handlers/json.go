package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// decodeJSON reads the request body into dst, which must be a pointer to a
// struct. It is strict about syntax and types — a string field given an
// object, such as {"email":{"$gt":""}}, is a 400 before anything reaches
// the database — and lenient about unknown fields, so that clients may
// send more than an endpoint reads. An empty body is a 400 too: every
// caller needs one. The body must say Content-Type: application/json
// (415 otherwise, SPEC §4): a browser can post text/plain across sites
// without asking, and JSON-looking text/plain is how a forged form would
// reach a JSON endpoint.
func decodeJSON(c *fiber.Ctx, dst any) error {
	return decodeJSONBody(c.Get(fiber.HeaderContentType), c.Body(), dst)
}

// decodeJSONBody is decodeJSON on a content type and a body (the fuzz
// target's entry).
func decodeJSONBody(contentType string, raw []byte, dst any) error {
	body := bytes.TrimSpace(raw)
	if len(body) == 0 {
		return store.Errorf(store.EMalformed, "A JSON body is required.")
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != fiber.MIMEApplicationJSON {
		return store.Errorf(store.EUnsupported, "Send the body as JSON, with Content-Type: application/json.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return malformedJSON(err)
	}
	// One value only: "{} {}" or "{}x" is as malformed as a syntax error.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return store.Errorf(store.EMalformed, "Malformed JSON: unexpected data after the object.")
	}
	return nil
}

// malformedJSON describes a decoding failure without echoing the body.
func malformedJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return &store.Error{
			Code:    store.EMalformed,
			Message: "Malformed JSON: wrong type.",
			Fields:  map[string]string{typeErr.Field: "must be a " + typeErr.Type.String()},
		}
	}
	return store.Errorf(store.EMalformed, "Malformed JSON.")
}

// isMultipart reports whether the request carries a multipart form (an
// image upload) rather than JSON.
func isMultipart(c *fiber.Ctx) bool {
	return strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm)
}

// formValue returns the multipart field name, and whether it was sent at
// all: a PATCH keeps what it is not sent.
func formValue(c *fiber.Ctx, name string) (*string, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, store.Errorf(store.EMalformed, "Malformed multipart form.")
	}
	vs, ok := form.Value[name]
	if !ok || len(vs) == 0 {
		return nil, nil
	}
	v := vs[0]
	return &v, nil
}

// pageOf reads the list parameters: limit 1..100 (default 24; larger asks
// are clamped like the store does) and an opaque cursor, which the store
// checks (an unknown one is a 400).
func pageOf(c *fiber.Ctx) (store.Page, error) {
	p := store.Page{Cursor: c.Query("cursor"), Limit: store.DefaultLimit}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return p, &store.Error{Code: store.EMalformed, Message: "Malformed limit.",
				Fields: map[string]string{"limit": "must be a whole number from 1 to 100"}}
		}
		p.Limit = min(n, store.MaxLimit)
	}
	return p, nil
}

// idParam parses the route parameter name as an ObjectID; a malformed id
// names nothing, so it is a 404 like an unknown one.
func idParam(c *fiber.Ctx, name string) (bson.ObjectID, error) {
	return store.ParseID(c.Params(name))
}

// list is the JSON shape of every paginated list. Items is never nil so
// that it encodes as [] rather than null.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// newList converts a store page with conv.
func newList[S, T any](items []S, next *string, conv func(S) T) list[T] {
	out := make([]T, len(items))
	for i := range items {
		out[i] = conv(items[i])
	}
	return list[T]{Items: out, NextCursor: next}
}

// formImage stores the "image" file of a multipart request and returns its
// reference, or nil when the form has no image (a PATCH keeping the old
// one; on create the store reports the missing image with the other
// fields).
func (s *server) formImage(c *fiber.Ctx) (*store.ImageRef, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, store.Errorf(store.EMalformed, "Malformed multipart form.")
	}
	files := form.File["image"]
	if len(files) == 0 {
		return nil, nil
	}
	ref, err := saveUpload(c.UserContext(), s.store, s.images, files[0])
	if err != nil {
		return nil, err
	}
	return &ref, nil
}
