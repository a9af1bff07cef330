package handlers

import (
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"mypinterest/media"
	"mypinterest/store"
)

// mediaNamePattern is the only shape of a stored image name: a content key,
// a variant and an extension (see media.OriginalName and friends). Anything
// else — "..", encoded slashes, other extensions — is refused before the
// database is asked.
var mediaNamePattern = regexp.MustCompile(`^[0-9a-f]{32}/(orig|736|236)\.(jpg|png)$`)

// mediaCacheControl lets browsers and Nginx keep a file forever: a name
// contains the hash of the upload, so its bytes never change.
const mediaCacheControl = "public, max-age=31536000, immutable"

// mediaHandler serves GET /media/<key>/<variant>.<ext> from GridFS (through
// the store's in-memory cache).
func mediaHandler(s store.Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// Copied: Fiber reuses the route parameter's memory after the
		// handler returns, and the name goes on to a cache key.
		name := strings.Clone(c.Params("*"))
		if !mediaNamePattern.MatchString(name) {
			return mediaNotFound(c)
		}
		// The ETag names the content and the variant, which is all that
		// can differ between two names.
		etag := `"` + strings.Replace(name, "/", "-", 1) + `"`
		c.Set(fiber.HeaderETag, etag)
		c.Set(fiber.HeaderCacheControl, mediaCacheControl)
		if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
			return c.SendStatus(http.StatusNotModified)
		}
		f, err := s.OpenImage(c.UserContext(), name)
		if err != nil {
			if store.ErrorCode(err) == store.ENotFound {
				return mediaNotFound(c)
			}
			return err
		}
		c.Set(fiber.HeaderContentType, f.ContentType)
		return c.Send(f.Data)
	}
}

// mediaNotFound answers 404 in the JSON error envelope whatever error
// handler the app has, without the long-lived cache headers: an image may
// exist a moment later (an upload still being stored).
func mediaNotFound(c *fiber.Ctx) error {
	c.Response().Header.Del(fiber.HeaderETag)
	c.Response().Header.Del(fiber.HeaderCacheControl)
	return writeError(c, http.StatusNotFound, &store.Error{Code: store.ENotFound, Message: "No such image."})
}

// etagMatches implements If-None-Match: a list of tags, weak or strong,
// or "*".
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// saveUpload checks and stores an uploaded image and returns its ref. The
// type comes from the bytes; the file name and the client's MIME type are
// ignored. Decoding waits its turn in pool (a 503 when it is full).
func saveUpload(ctx context.Context, s store.Store, pool *media.Pool, fh *multipart.FileHeader) (store.ImageRef, error) {
	if fh.Size > media.MaxBytes {
		return store.ImageRef{}, media.TooLarge()
	}
	f, err := fh.Open()
	if err != nil {
		return store.ImageRef{}, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	p, err := pool.Process(ctx, f)
	if err != nil {
		return store.ImageRef{}, err
	}
	if err := s.PutImage(ctx, p.Files); err != nil {
		return store.ImageRef{}, err
	}
	return p.Ref(), nil
}

// imageURL is the URL of an image's detail size, "" when there is none.
func imageURL(ref store.ImageRef) string {
	if ref.IsZero() {
		return ""
	}
	return "/media/" + media.DetailName(ref)
}

// thumbURL is the URL of an image's grid thumbnail, "" when there is none.
func thumbURL(ref store.ImageRef) string {
	if ref.IsZero() {
		return ""
	}
	return "/media/" + media.ThumbName(ref)
}
