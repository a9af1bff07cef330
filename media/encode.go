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
	detail := fit(img, DetailWidth, draw.CatmullRom)
	// The thumbnail is small enough that the sharper kernel's extra taps
	// (twice BiLinear's per axis, a third of an upload's time) show no
	// difference; both are filters, so neither aliases.
	thumb := fit(detail, ThumbWidth, draw.BiLinear)
	ext := variantExt(p.Alpha)
	for _, v := range []struct {
		name string
		img  image.Image
	}{{DetailName(ref), detail}, {ThumbName(ref), thumb}} {
		data := orig
		// An upload no wider than the detail size is its own detail: the
		// original's file serves (a little larger at its quality) rather
		// than encoding the same pixels again.
		if v.img != img || ext != origExt {
			if data, err = encodeAs(ext, v.img, variantQuality); err != nil {
				return err
			}
		}
		p.Files = append(p.Files, store.ImageFile{Name: v.name, ContentType: ContentType(ext), Data: data})
	}
	return nil
}

// fit scales img down to width, keeping its aspect ratio. An image no
// wider than width is returned as it is: upscaling only adds blur and bytes.
func fit(img image.Image, width int, kernel *draw.Kernel) image.Image {
	b := img.Bounds()
	if b.Dx() <= width {
		return img
	}
	height := int((int64(b.Dy())*int64(width) + int64(b.Dx())/2) / int64(b.Dx()))
	if height < 1 {
		height = 1
	}
	if src, ok := img.(*image.YCbCr); ok && src.SubsampleRatio == image.YCbCrSubsampleRatio420 {
		return fitYCbCr(src, width, height, kernel)
	}
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	// A kernel, never ApproxBiLinear, which samples points and would
	// alias on 10× reductions.
	kernel.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
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

// fitYCbCr scales a 4:2:0 image (a decoded JPEG, nearly every upload) plane
// by plane into a 4:2:0 image: the kernel runs on one byte per sample
// instead of converting every sample it reads to RGBA, and the JPEG
// encoder takes the result without converting it back.
func fitYCbCr(src *image.YCbCr, width, height int, kernel *draw.Kernel) *image.YCbCr {
	dst := image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio420)
	b := src.Bounds()
	cb := image.Rect(b.Min.X/2, b.Min.Y/2, (b.Max.X+1)/2, (b.Max.Y+1)/2) // the chroma planes' samples
	cw, ch := (width+1)/2, (height+1)/2
	plane := func(pix []uint8, stride int, r image.Rectangle) *image.Gray {
		return &image.Gray{Pix: pix, Stride: stride, Rect: r}
	}
	// A plane as a Gray image over the same samples: Gray's offsets from
	// Rect.Min are the YCbCr's (chroma at half the coordinates).
	kernel.Scale(plane(dst.Y, dst.YStride, dst.Rect), dst.Rect, plane(src.Y, src.YStride, b), b, draw.Src, nil)
	for _, p := range [][2][]uint8{{dst.Cb, src.Cb}, {dst.Cr, src.Cr}} {
		d := plane(p[0], dst.CStride, image.Rect(0, 0, cw, ch))
		kernel.Scale(d, d.Rect, plane(p[1], src.CStride, cb), cb, draw.Src, nil)
	}
	return dst
}
