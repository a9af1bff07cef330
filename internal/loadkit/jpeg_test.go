package loadkit

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

func TestPinImageDecodes(t *testing.T) {
	data, err := PinImage(3)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode config: %v", err)
	}
	if format != "jpeg" {
		t.Fatalf("format = %q, want jpeg", format)
	}
	if cfg.Width != 640 || cfg.Height != 800 {
		t.Fatalf("size = %dx%d, want 640x800", cfg.Width, cfg.Height)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("full decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 800 {
		t.Fatalf("decoded bounds = %v", b)
	}
}

func TestPoolImagesAreDistinct(t *testing.T) {
	pool, err := ImagePool(3)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]int)
	for i, data := range pool {
		if prev, ok := seen[string(data)]; ok {
			t.Fatalf("image %d is byte-identical to image %d", i, prev)
		}
		seen[string(data)] = i
	}

	// Distinct bytes could still come from encoder noise; check that the
	// decoded pixels really differ between neighbouring seeds.
	a, err := jpeg.Decode(bytes.NewReader(pool[0]))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(pool[1]))
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for y := 0; y < 800; y += 40 {
		for x := 0; x < 640; x += 40 {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			if ar != br || ag != bg || ab != bb {
				differ++
			}
		}
	}
	if differ < 100 {
		t.Fatalf("only %d of 320 sampled pixels differ between seeds 0 and 1", differ)
	}
}

func TestDistinctKeepsPixelsChangesBytes(t *testing.T) {
	orig, err := PinImage(1)
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(orig)
	a, b := Distinct(orig, 1), Distinct(orig, 2)
	if bytes.Equal(a, b) || bytes.Equal(a, orig) {
		t.Fatal("Distinct did not change the bytes")
	}
	want, err := jpeg.Decode(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	got, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding the distinct copy: %v", err)
	}
	wy, gy := want.(*image.YCbCr), got.(*image.YCbCr)
	if !bytes.Equal(wy.Y, gy.Y) || !bytes.Equal(wy.Cb, gy.Cb) || !bytes.Equal(wy.Cr, gy.Cr) {
		t.Fatal("the distinct copy decodes to other pixels")
	}
	if !bytes.Equal(orig, before) {
		t.Fatal("Distinct modified its input")
	}
}
