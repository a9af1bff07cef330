package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"mypinterest/media"
	"mypinterest/store"
	"mypinterest/store/storetest"
)

// mediaTestJPEG is a 300×200 photo-like JPEG.
func mediaTestJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 300; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mediaFileHeader builds the multipart file header a form upload of data
// named name with the client MIME type ctype would produce.
func mediaFileHeader(t *testing.T, name, ctype string, data []byte) *multipart.FileHeader {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="image"; filename="` + name + `"`}
	h["Content-Type"] = []string{ctype}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = w.Close()
	form, err := multipart.NewReader(&body, w.Boundary()).ReadForm(32 << 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = form.RemoveAll() })
	return form.File["image"][0]
}

func TestSaveUploadAndServe(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	ref, err := saveUpload(ctx, st, media.NewPool(media.PoolConfig{}), mediaFileHeader(t, "holiday.jpg", "image/jpeg", mediaTestJPEG(t)))
	if err != nil {
		t.Fatal(err)
	}
	if ref.Width != 300 || ref.Height != 200 || ref.Ext != "jpg" {
		t.Fatalf("ref %+v", ref)
	}
	if imageURL(store.ImageRef{}) != "" || thumbURL(store.ImageRef{}) != "" {
		t.Error("a zero ref must have no URLs")
	}
	app := fiber.New()
	app.Get("/media/*", mediaHandler(st))

	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	for _, tc := range []struct {
		url   string
		width int
	}{{imageURL(ref), 300}, {thumbURL(ref), 236}, {"/media/" + media.OriginalName(ref), 300}} {
		resp := get(tc.url)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", tc.url, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
			t.Errorf("%s: content type %q", tc.url, ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != mediaCacheControl {
			t.Errorf("%s: cache control %q", tc.url, cc)
		}
		etag := resp.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`+ref.Key) {
			t.Errorf("%s: etag %q", tc.url, etag)
		}
		body, _ := io.ReadAll(resp.Body)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != tc.width {
			t.Errorf("%s: body is %d wide (%v), want %d", tc.url, cfg.Width, err, tc.width)
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
			resp := get(tc.url, "If-None-Match", inm)
			if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != etag {
				t.Errorf("%s with If-None-Match %s: status %d", tc.url, inm, resp.StatusCode)
			}
		}
		if resp := get(tc.url, "If-None-Match", `"other"`); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with a stale tag: status %d", tc.url, resp.StatusCode)
		}
	}
	for _, path := range []string{
		"/media/" + strings.Repeat("0", 32) + "/236.jpg", // well formed, unknown
		"/media/../x",
		"/media/..%2Fx",
		"/media/" + ref.Key + "/236.gif",
		"/media/" + ref.Key + "/../" + ref.Key + "/236.jpg",
		"/media/" + strings.ToUpper(ref.Key) + "/236.jpg",
		"/media/",
	} {
		resp := get(path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
			continue
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error.Code != store.ENotFound || body.Error.Message == "" {
			t.Errorf("%s: body %+v (%v), want the not_found envelope", path, body, err)
		}
		if resp.Header.Get("Cache-Control") == mediaCacheControl {
			t.Errorf("%s: a 404 must not be cached forever", path)
		}
	}
}

func TestSaveUploadRejects(t *testing.T) {
	st := storetest.New(t)
	tests := []struct {
		name, file, ctype string
		data              []byte
		code              string
	}{
		{"text renamed .jpg", "notes.jpg", "image/jpeg", []byte("just some text, honest"), store.EUnsupported},
		{"11 MiB", "big.png", "image/png", make([]byte, 11<<20), store.ETooLarge},
		{"truncated jpeg", "cut.jpg", "image/jpeg", mediaTestJPEG(t)[:600], store.EInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := saveUpload(context.Background(), st, media.NewPool(media.PoolConfig{}), mediaFileHeader(t, tc.file, tc.ctype, tc.data))
			if store.ErrorCode(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
}

// Uploads beyond the image pool's capacity wait briefly, then get 503
// with Retry-After instead of all decoding at once.
func TestBusyImagePoolIs503(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Images = media.PoolConfig{Workers: 1, QueueWait: time.Millisecond} })
	u := e.signup()
	body, ct := form(t, map[string]string{"title": "big", "content": "c"}, "big.png", pngBytes(t, 1500, 1500, 3))
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			r := e.do(req{method: "POST", path: "/api/v1/groups", body: body, contentType: ct, token: u.token})
			mu.Lock()
			defer mu.Unlock()
			statuses[r.status]++
			if r.status == http.StatusServiceUnavailable && (r.header.Get("Retry-After") == "" || r.errCode(t) != "unavailable") {
				t.Errorf("503 without Retry-After or code: %v %s", r.header, r.body)
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusCreated] < 1 || statuses[http.StatusServiceUnavailable] < 1 || statuses[http.StatusCreated]+statuses[http.StatusServiceUnavailable] != 4 {
		t.Errorf("statuses %v: want some created and the rest refused as busy", statuses)
	}
}
