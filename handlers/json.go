package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/handlers/jsonbody"
	"mypinterest/store"
)

// decodeJSON reads the request's JSON body into dst (a pointer to a
// struct); see jsonbody.Decode for what it refuses and why.
func decodeJSON(c *fiber.Ctx, dst any) error {
	return jsonbody.Decode(c.Get(fiber.HeaderContentType), c.Body(), dst)
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
				Fields: map[string]store.Reason{"limit": {Code: store.ReasonOutOfRange, Min: 1, Max: store.MaxLimit}}}
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
