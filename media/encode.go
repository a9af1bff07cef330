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
	detail := fit(img, DetailWidth, sharp)
	// The thumbnail is small enough that the sharper kernel's extra taps
	// (twice BiLinear's per axis, a third of an upload's time) show no
	// difference; both are filters, so neither aliases.
	thumb := fit(detail, ThumbWidth, smooth)
	ext := VariantExt(p.Alpha)
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

// kernel is one resampling filter as x/image/draw runs it on any image and
// as scalePlane runs it on the bytes of a 4:2:0 plane.
type kernel struct {
	draw  *draw.Kernel
	plane filter
}

var (
	sharp  = kernel{draw.CatmullRom, catmullRom}
	smooth = kernel{draw.BiLinear, triangle}
)

// fit scales img down to width, keeping its aspect ratio. An image no
// wider than width is returned as it is: upscaling only adds blur and bytes.
func fit(img image.Image, width int, k kernel) image.Image {
	b := img.Bounds()
	if b.Dx() <= width {
		return img
	}
	height := int((int64(b.Dy())*int64(width) + int64(b.Dx())/2) / int64(b.Dx()))
	if height < 1 {
		height = 1
	}
	if src, ok := img.(*image.YCbCr); ok && src.SubsampleRatio == image.YCbCrSubsampleRatio420 {
		return fitYCbCr(src, width, height, k.plane)
	}
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	// A kernel, never ApproxBiLinear, which samples points and would
	// alias on 10× reductions.
	k.draw.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
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
// by plane into a 4:2:0 image: the filter runs on one byte per sample
// instead of converting every sample it reads to RGBA, and the JPEG
// encoder takes the result without converting it back.
func fitYCbCr(src *image.YCbCr, width, height int, f filter) *image.YCbCr {
	dst := image.NewYCbCr(image.Rect(0, 0, width, height), image.YCbCrSubsampleRatio420)
	b := src.Bounds()
	// Y[0] is the sample at b.Min, Cb[0] and Cr[0] the chroma sample
	// covering it (at half the coordinates).
	scalePlane(dst.Y, dst.YStride, width, height, src.Y, src.YStride, b.Dx(), b.Dy(), f)
	cw, ch := (width+1)/2, (height+1)/2
	scw, sch := (b.Max.X+1)/2-b.Min.X/2, (b.Max.Y+1)/2-b.Min.Y/2
	scalePlane(dst.Cb, dst.CStride, cw, ch, src.Cb, src.CStride, scw, sch, f)
	scalePlane(dst.Cr, dst.CStride, cw, ch, src.Cr, src.CStride, scw, sch, f)
	return dst
}
