package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"

	"mypinterest/store"
)

// encode re-encodes the original and its two variants. Re-encoding from
// pixels is what strips metadata: EXIF (GPS position, camera serial), PNG
// text chunks, GIF comments and WebP XMP never reach the encoder.
func (p *Processed) encode(format string, img image.Image) error {
	// JPEG and lossy WebP stay lossy; everything with transparency and
	// every lossless source (PNG, GIF's palette) stays lossless.
	origExt := "png"
	if format == "jpeg" || (format == "webp" && !p.Alpha) {
		origExt = "jpg"
	}
	p.Ext = origExt
	orig, err := encodeAs(origExt, img, originalQuality)
	if err != nil {
		return err
	}
	ref := p.Ref()
	p.Files = append(p.Files, store.ImageFile{Name: OriginalName(ref), ContentType: ContentType(origExt), Data: orig})

	// The thumbnail is made from the detail size: resampling a 40 MP
	// original once instead of twice halves the work, and 736 → 236 is
	// still a downscale of more than 3×, so quality does not suffer.
	detail := fit(img, DetailWidth)
	thumb := fit(detail, ThumbWidth)
	ext := variantExt(p.Alpha)
	for _, v := range []struct {
		name string
		img  image.Image
	}{{DetailName(ref), detail}, {ThumbName(ref), thumb}} {
		data, err := encodeAs(ext, v.img, variantQuality)
		if err != nil {
			return err
		}
		p.Files = append(p.Files, store.ImageFile{Name: v.name, ContentType: ContentType(ext), Data: data})
	}
	return nil
}

// fit scales img down to width, keeping its aspect ratio. An image no
// wider than width is returned as it is: upscaling only adds blur and bytes.
func fit(img image.Image, width int) image.Image {
	b := img.Bounds()
	if b.Dx() <= width {
		return img
	}
	height := int((int64(b.Dy())*int64(width) + int64(b.Dx())/2) / int64(b.Dx()))
	if height < 1 {
		height = 1
	}
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	// CatmullRom is the sharpest of x/image/draw's kernels for strong
	// downscales; ApproxBiLinear would alias on 10× reductions.
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// encodeAs encodes img as a JPEG or PNG file.
func encodeAs(ext string, img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if ext == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	}
	if err != nil {
		return nil, fmt.Errorf("media: encode %s: %w", ext, err)
	}
	return buf.Bytes(), nil
}
