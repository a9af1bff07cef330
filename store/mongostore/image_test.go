package mongostore_test

// Round trips, idempotent and concurrent puts are storetest.Run's; what
// is left is MongoDB's own: GridFS layout and the in-memory file cache.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// imageFiles returns n distinct files of size bytes each.
func imageFiles(prefix string, n, size int) []store.ImageFile {
	files := make([]store.ImageFile, n)
	for i := range files {
		data := bytes.Repeat([]byte{byte(i + 1)}, size)
		files[i] = store.ImageFile{Name: fmt.Sprintf("%s/%d.jpg", prefix, i), ContentType: "image/jpeg", Data: data}
	}
	return files
}

// The stored documents are ordinary GridFS: the driver's bucket reads them.
func TestImageIsGridFS(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	files := imageFiles("ffff", 2, 100_000)
	if err := s.PutImage(ctx, files); err != nil {
		t.Fatal(err)
	}
	bucket := s.Database().GridFSBucket(options.GridFSBucket().SetName("images"))
	for _, f := range files {
		var buf bytes.Buffer
		if _, err := bucket.DownloadToStreamByName(ctx, f.Name, &buf); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.Equal(buf.Bytes(), f.Data) {
			t.Errorf("%s: driver read %d bytes that differ", f.Name, buf.Len())
		}
	}
}

// Files read once are served from memory: with the bucket dropped behind
// the store's back they can still be read (eviction is tested in
// image_internal_test.go without a database).
func TestOpenImageIsCached(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	files := imageFiles("eeee", 2, 1000)
	if err := s.PutImage(ctx, files); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenImage(ctx, files[0].Name); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"images.files", "images.chunks"} {
		if err := s.Database().Collection(c).Drop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.OpenImage(ctx, files[0].Name); err != nil || !bytes.Equal(got.Data, files[0].Data) {
		t.Errorf("read file: not served from cache: %v", err)
	}
	if _, err := s.OpenImage(ctx, files[1].Name); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unread file: got %v, want not found", err)
	}
}
