package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"mypinterest/store"
)

// imageTests: image files are stored whole under their name, once, and
// read back as they were (docs/API.md §Images; the checks on uploads are the
// media package's).
var imageTests = []conformanceTest{
	{"round trip", testImageRoundTrip},
	{"put is idempotent", testPutImageIdempotent},
	{"concurrent puts of one image", testPutImageConcurrent},
}

// imageFiles returns n distinct files of size bytes each, named under
// prefix.
func imageFiles(prefix string, n, size int) []store.ImageFile {
	files := make([]store.ImageFile, n)
	for i := range files {
		data := bytes.Repeat([]byte{byte(i + 1), byte(len(prefix))}, size/2+1)[:size]
		files[i] = store.ImageFile{Name: fmt.Sprintf("%s/%d.jpg", prefix, i), ContentType: "image/jpeg", Data: data}
	}
	return files
}

// wantImages fails unless every file reads back as it was put.
func wantImages(t *testing.T, st store.Store, files []store.ImageFile) {
	t.Helper()
	for _, want := range files {
		got, err := st.OpenImage(t.Context(), want.Name)
		if err != nil {
			t.Fatalf("%s: %v", want.Name, err)
		}
		if got.Name != want.Name || got.ContentType != want.ContentType || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("%s: read back %s %s, %d bytes (want %d)", want.Name, got.Name, got.ContentType, len(got.Data), len(want.Data))
		}
	}
}

// wantImageCount fails unless the store holds n image files.
func wantImageCount(t *testing.T, st store.Store, n int64) {
	t.Helper()
	got, err := transfer(t, st).Count(t.Context(), store.KindImages)
	if err != nil || got != n {
		t.Fatalf("%d image files stored, %v; want %d", got, err, n)
	}
}

func testImageRoundTrip(t *testing.T, s *suite) {
	st := s.store(t)
	// 1.1 MB spans more than one GridFS chunk or SQLite page.
	files := append(imageFiles("aaaa", 1, 1_100_000),
		store.ImageFile{Name: "aaaa/orig.png", ContentType: "image/png", Data: []byte("png bytes")},
		store.ImageFile{Name: "aaaa/tiny.webp", ContentType: "image/webp", Data: []byte{0}})
	if err := st.PutImage(t.Context(), files); err != nil {
		t.Fatal(err)
	}
	wantImages(t, st, files)
	for _, name := range []string{"aaaa/nothing.jpg", "aaaa", "", "AAAA/orig.png"} {
		_, err := st.OpenImage(t.Context(), name)
		wantCode(t, err, store.ENotFound)
	}
	wantImageCount(t, st, int64(len(files)))
}

func testPutImageIdempotent(t *testing.T, s *suite) {
	st := s.store(t)
	files := imageFiles("bbbb", 3, 1000)
	for range 3 {
		if err := st.PutImage(t.Context(), files); err != nil {
			t.Fatal(err)
		}
	}
	wantImageCount(t, st, 3)
	// A partly stored image (an upload that failed half-way) is
	// completed by the next put.
	more := append(append([]store.ImageFile(nil), files...), imageFiles("cccc", 2, 10)...)
	if err := st.PutImage(t.Context(), more); err != nil {
		t.Fatal(err)
	}
	wantImages(t, st, more)
	wantImageCount(t, st, int64(len(more)))
	if err := st.PutImage(t.Context(), nil); err != nil {
		t.Fatalf("putting nothing: %v", err)
	}
}

// testPutImageConcurrent: people uploading the same picture at once all
// succeed, and the files read back whole, stored once.
func testPutImageConcurrent(t *testing.T, s *suite) {
	st := s.store(t)
	files := imageFiles("dddd", 3, 50_000)
	parallel(t, 4, func(int) error { return st.PutImage(t.Context(), files) })
	wantImages(t, st, files)
	wantImageCount(t, st, int64(len(files)))
}
