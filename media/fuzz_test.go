package media

import (
	"bytes"
	"testing"
)

// FuzzProcess feeds arbitrary bytes to the upload checks. Nothing may
// panic; whatever is accepted has sane dimensions and three files. Images
// declaring more than 65,536 pixels stop after the header check (decoding
// them is slow and covered by the unit tests), so the fuzzer spends its
// time on the parsers. Seeds: testdata/fuzz/FuzzProcess.
func FuzzProcess(f *testing.F) {
	f.Add(mustPNG(f, gradient(8, 6)))
	f.Add(mustJPEG(f, gradient(9, 7)))
	f.Add(mustGIF(f, gradient(5, 5)))
	f.Add(pngBomb(60000, 60000))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := inspect(data)
		if err != nil {
			return
		}
		if h.width <= 0 || h.height <= 0 || h.pixels() > MaxPixels {
			t.Fatalf("inspect accepted %+v", h)
		}
		if h.pixels() > 1<<16 {
			return
		}
		p, err := Process(bytes.NewReader(data))
		if err != nil {
			return
		}
		if p.Width <= 0 || p.Height <= 0 || int64(p.Width)*int64(p.Height) > MaxPixels || len(p.Files) != 3 || len(p.Key) != 32 {
			t.Fatalf("accepted %dx%d with %d files, key %q", p.Width, p.Height, len(p.Files), p.Key)
		}
	})
}
