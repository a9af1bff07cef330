package mongostore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"mypinterest/store"
	"mypinterest/store/mongostore"
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

// storedCount counts GridFS file documents named name.
func storedCount(t *testing.T, s *mongostore.Store, name string) int64 {
	t.Helper()
	n, err := s.Database().Collection("images.files").CountDocuments(context.Background(), bson.D{{Key: "filename", Value: name}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImageRoundTrip(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	// 1.1 MB spans two 1 MiB chunks.
	files := append(imageFiles("aaaa", 1, 1_100_000), store.ImageFile{Name: "aaaa/orig.png", ContentType: "image/png", Data: []byte("png bytes")})
	if err := s.PutImage(ctx, files); err != nil {
		t.Fatal(err)
	}
	for _, want := range files {
		got, err := s.OpenImage(ctx, want.Name)
		if err != nil {
			t.Fatalf("%s: %v", want.Name, err)
		}
		if got.Name != want.Name || got.ContentType != want.ContentType || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("%s: got %s %s %d bytes", want.Name, got.Name, got.ContentType, len(got.Data))
		}
	}
	if _, err := s.OpenImage(ctx, "aaaa/nothing.jpg"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown name: got %v, want not found", err)
	}
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

func TestPutImageIsIdempotent(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	files := imageFiles("bbbb", 3, 1000)
	for range 3 {
		if err := s.PutImage(ctx, files); err != nil {
			t.Fatal(err)
		}
	}
	// A partly stored image (an upload that failed half-way) is completed.
	more := append(files, imageFiles("cccc", 1, 10)...)
	if err := s.PutImage(ctx, more); err != nil {
		t.Fatal(err)
	}
	for _, f := range more {
		if n := storedCount(t, s, f.Name); n != 1 {
			t.Errorf("%s stored %d times", f.Name, n)
		}
	}
}

// Two people uploading the same picture at once must both succeed, and
// the image must read back whole.
func TestPutImageConcurrentSameImage(t *testing.T) {
	s := storetest.NewMongo(t)
	ctx := context.Background()
	files := imageFiles("dddd", 3, 50_000)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.PutImage(ctx, files)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("upload %d: %v", i, err)
		}
	}
	for _, want := range files {
		got, err := s.OpenImage(ctx, want.Name)
		if err != nil || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("%s: %v", want.Name, err)
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
