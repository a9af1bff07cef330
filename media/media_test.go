package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"mypinterest/store"
)

func TestProcessFormats(t *testing.T) {
	type size struct{ w, h int }
	tests := []struct {
		name          string
		data          []byte
		ext           string // stored original
		alpha         bool
		orig          size
		detail, thumb size
	}{
		{"large jpeg", mustJPEG(t, gradient(1000, 500)), "jpg", false, size{1000, 500}, size{736, 368}, size{236, 118}},
		{"medium png is not upscaled", mustPNG(t, gradient(300, 200)), "png", false, size{300, 200}, size{300, 200}, size{236, 157}},
		{"small png with alpha", mustPNG(t, translucent(100, 50)), "png", true, size{100, 50}, size{100, 50}, size{100, 50}},
		{"gif keeps its first frame as png", mustGIF(t, gradient(50, 40)), "png", false, size{50, 40}, size{50, 40}, size{50, 40}},
		{"opaque lossy webp", mustRead(t, "testdata/blue-purple-pink.lossy.webp"), "jpg", false, size{150, 100}, size{150, 100}, size{150, 100}},
		{"webp with alpha", mustRead(t, "testdata/gopher-doc.with-alpha.lossless.webp"), "png", true, size{75, 100}, size{75, 100}, size{75, 100}},
		{"tall image", mustJPEG(t, gradient(300, 1000)), "jpg", false, size{300, 1000}, size{300, 1000}, size{236, 787}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Process(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Key) != 32 || strings.Trim(p.Key, "0123456789abcdef") != "" {
				t.Errorf("key %q is not 32 hex characters", p.Key)
			}
			if p.Ext != tc.ext || p.Alpha != tc.alpha || p.Width != tc.orig.w || p.Height != tc.orig.h {
				t.Errorf("got ext %s alpha %v %d×%d, want %s %v %d×%d",
					p.Ext, p.Alpha, p.Width, p.Height, tc.ext, tc.alpha, tc.orig.w, tc.orig.h)
			}
			ref := p.Ref()
			vext, vtype := "jpg", "image/jpeg"
			if tc.alpha {
				vext, vtype = "png", "image/png"
			}
			want := []struct {
				name, ext, ctype string
				size             size
			}{
				{OriginalName(ref), tc.ext, ContentType(tc.ext), tc.orig},
				{DetailName(ref), vext, vtype, tc.detail},
				{ThumbName(ref), vext, vtype, tc.thumb},
			}
			if len(p.Files) != len(want) {
				t.Fatalf("got %d files, want %d", len(p.Files), len(want))
			}
			for i, w := range want {
				f := p.Files[i]
				if f.Name != w.name || f.ContentType != w.ctype || !strings.HasSuffix(f.Name, "."+w.ext) {
					t.Errorf("file %d: %s %s, want %s %s", i, f.Name, f.ContentType, w.name, w.ctype)
				}
				cfg, format, err := image.DecodeConfig(bytes.NewReader(f.Data))
				if err != nil {
					t.Fatalf("%s: %v", f.Name, err)
				}
				if map[string]string{"jpeg": "jpg", "png": "png"}[format] != w.ext {
					t.Errorf("%s is encoded as %s", f.Name, format)
				}
				if cfg.Width != w.size.w || cfg.Height != w.size.h {
					t.Errorf("%s is %d×%d, want %d×%d", f.Name, cfg.Width, cfg.Height, w.size.w, w.size.h)
				}
			}
		})
	}
}

func TestNamesFromRef(t *testing.T) {
	ref := store.ImageRef{Key: "0123456789abcdef0123456789abcdef", Ext: "jpg", Width: 10, Height: 10}
	if got := DetailName(ref); got != ref.Key+"/736.jpg" {
		t.Errorf("DetailName = %s", got)
	}
	ref.Alpha, ref.Ext = true, "png"
	if got := ThumbName(ref); got != ref.Key+"/236.png" {
		t.Errorf("ThumbName = %s", got)
	}
	if got := OriginalName(ref); got != ref.Key+"/orig.png" {
		t.Errorf("OriginalName = %s", got)
	}
}

func TestSameBytesSameKey(t *testing.T) {
	data := mustPNG(t, gradient(20, 20))
	a, err := Process(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Process(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Process(bytes.NewReader(mustPNG(t, gradient(20, 21))))
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != b.Key || a.Key == c.Key {
		t.Errorf("keys %s %s %s: same bytes must share a key, others must not", a.Key, b.Key, c.Key)
	}
}

func TestProcessRejects(t *testing.T) {
	jpg := mustJPEG(t, gradient(200, 200))
	zeroGIF := append([]byte("GIF89a"), 0, 0, 0, 0, 0, 0, 0)
	tests := []struct {
		name string
		r    io.Reader
		code string
	}{
		{"text named .jpg", strings.NewReader("this is not an image, whatever the name says"), store.EUnsupported},
		{"empty", strings.NewReader(""), store.EUnsupported},
		{"bmp", bytes.NewReader(append([]byte("BM"), make([]byte, 60)...)), store.EUnsupported},
		{"11 MiB", io.LimitReader(zeroReader{}, 11<<20), store.ETooLarge},
		{"one byte over", bytes.NewReader(append(mustPNG(t, gradient(4, 4)), make([]byte, MaxBytes)...)), store.ETooLarge},
		{"truncated jpeg", bytes.NewReader(jpg[:len(jpg)/2]), store.EInvalid},
		{"truncated png", bytes.NewReader(mustPNG(t, gradient(200, 200))[:300]), store.EInvalid},
		{"zero-sized gif", bytes.NewReader(zeroGIF), store.EInvalid},
		{"pixel bomb", bytes.NewReader(pngBomb(20000, 20000)), store.EInvalid},
		{"just over 40 MP", bytes.NewReader(pngBomb(8000, 5001)), store.EInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Process(tc.r)
			var se *store.Error
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Fatalf("got %v, %v; want code %s", p, err, tc.code)
			}
			if se.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// A 20000×20000 PNG would take 1.6 GB to decode; the header check must
// refuse it before any of that is allocated.
func TestPixelBombIsNotDecoded(t *testing.T) {
	data := pngBomb(20000, 20000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Process(bytes.NewReader(data))
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if store.ErrorCode(err) != store.EInvalid || !strings.Contains(err.Error(), "20000×20000") {
		t.Fatalf("got %v", err)
	}
	if elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 4<<20 {
		t.Errorf("allocated %d bytes", grown)
	}
}

func TestStripsExifAndAppliesOrientation(t *testing.T) {
	// A 40×20 picture, red on its stored left edge, tagged "turn 90°
	// clockwise": upright it is 20×40 with the red edge on top.
	src := gradient(40, 20)
	for y := 0; y < 20; y++ {
		for x := 0; x < 4; x++ {
			src.SetRGBA(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	for _, bo := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
		data := withExif(mustJPEG(t, src), 6, bo, "GPS 37.5665N 126.9780E")
		if got := exifOrientation(data); got != 6 {
			t.Fatalf("%v: orientation %d, want 6", bo, got)
		}
		p, err := Process(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if p.Width != 20 || p.Height != 40 {
			t.Errorf("upright size %d×%d, want 20×40", p.Width, p.Height)
		}
		for _, f := range p.Files {
			if bytes.Contains(f.Data, []byte("Exif")) || bytes.Contains(f.Data, []byte("GPS 37")) {
				t.Errorf("%s still carries EXIF", f.Name)
			}
		}
		img, _, err := image.Decode(bytes.NewReader(p.Files[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if r, g, _, _ := img.At(10, 1).RGBA(); r>>8 < 200 || g>>8 > 60 {
			t.Errorf("top edge is not red: r=%d g=%d", r>>8, g>>8)
		}
	}
}

func TestStripsPNGText(t *testing.T) {
	data := withTextChunk(mustPNG(t, gradient(30, 30)), "Comment", "private note")
	p, err := Process(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		if bytes.Contains(f.Data, []byte("tEXt")) || bytes.Contains(f.Data, []byte("private note")) {
			t.Errorf("%s still carries the text chunk", f.Name)
		}
	}
}

// Each orientation puts the stored top-left and top-right pixels in a
// known corner of the upright image (EXIF 2.3, tag 0x0112).
func TestOrientCorners(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	tl, tr := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	src.SetRGBA(0, 0, tl)
	src.SetRGBA(2, 0, tr)
	type pt struct{ x, y int }
	tests := []struct {
		o      int
		w, h   int
		tl, tr pt
	}{
		{1, 3, 2, pt{0, 0}, pt{2, 0}},
		{2, 3, 2, pt{2, 0}, pt{0, 0}},
		{3, 3, 2, pt{2, 1}, pt{0, 1}},
		{4, 3, 2, pt{0, 1}, pt{2, 1}},
		{5, 2, 3, pt{0, 0}, pt{0, 2}},
		{6, 2, 3, pt{1, 0}, pt{1, 2}},
		{7, 2, 3, pt{1, 2}, pt{1, 0}},
		{8, 2, 3, pt{0, 2}, pt{0, 0}},
	}
	for _, tc := range tests {
		img := orient(src, tc.o)
		if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("orientation %d: size %v", tc.o, b)
			continue
		}
		if img.At(tc.tl.x, tc.tl.y) != tl || img.At(tc.tr.x, tc.tr.y) != tr {
			t.Errorf("orientation %d: corners misplaced", tc.o)
		}
	}
}

func TestExifOrientationIgnoresJunk(t *testing.T) {
	jpg := mustJPEG(t, gradient(8, 8))
	for name, data := range map[string][]byte{
		"no exif":       jpg,
		"not a jpeg":    []byte("hello"),
		"out of range":  withExif(jpg, 9, binary.BigEndian, "x"),
		"cut in header": withExif(jpg, 6, binary.BigEndian, "x")[:20],
	} {
		if got := exifOrientation(data); got != 1 {
			t.Errorf("%s: orientation %d, want 1", name, got)
		}
	}
}
