// Package media turns an uploaded image into what the product stores: a
// metadata-free original, a detail size and a grid thumbnail, all named by
// the hash of the uploaded bytes. It knows nothing of HTTP or MongoDB; its
// failures are *store.Error values (413, 415, 422) that the handlers map.
package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"

	"golang.org/x/image/webp"

	"mypinterest/store"
)

// Limits of an upload (docs/API.md §Images).
const (
	// MaxBytes is the largest accepted upload.
	MaxBytes = 10 << 20
	// MaxPixels caps width×height, checked from the header before the
	// pixels are decoded, so that a small file claiming a huge canvas (a
	// decompression bomb) never allocates its bitmap.
	MaxPixels = 40_000_000
)

// Variant widths: the grid column and the detail page.
const (
	ThumbWidth  = 236
	DetailWidth = 736
)

// Encoding qualities: the original is kept close to the upload, the
// variants trade a little quality for size because every grid page loads
// dozens of them.
const (
	originalQuality = 90
	variantQuality  = 82
)

// decoders are the only formats accepted. They are called directly rather
// than through image.Decode so that a format another package registers
// (BMP, TIFF…) can never slip in.
var decoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	// gif.Decode keeps only the first frame: an animated GIF's frames
	// would multiply the memory by the frame count, and 10 MiB of LZW can
	// hold hundreds of well-compressed 40 MP frames.
	"gif":  {gif.DecodeConfig, gif.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
}

// Processed is an upload ready to store.
type Processed struct {
	Key    string // hex SHA-256 prefix of the uploaded bytes
	Ext    string // extension of the stored original: jpg or png
	Width  int    // of the original, after EXIF orientation
	Height int
	Alpha  bool // the image has transparency: variants are PNG
	Files  []store.ImageFile
}

// Ref returns the reference documents keep to this image.
func (p *Processed) Ref() store.ImageRef {
	return store.ImageRef{Key: p.Key, Ext: p.Ext, Width: p.Width, Height: p.Height, Alpha: p.Alpha}
}

// OriginalName is the GridFS name of the stripped original.
func OriginalName(ref store.ImageRef) string { return ref.Key + "/orig." + ref.Ext }

// DetailName is the GridFS name of the 736 px wide variant.
func DetailName(ref store.ImageRef) string { return VariantName(ref, DetailWidth) }

// ThumbName is the GridFS name of the 236 px wide grid thumbnail.
func ThumbName(ref store.ImageRef) string { return VariantName(ref, ThumbWidth) }

// VariantName is the GridFS name of ref's variant width px wide, which
// every card on a page names twice or three times: concatenated, not
// formatted.
func VariantName(ref store.ImageRef, width int) string {
	return ref.Key + "/" + strconv.Itoa(width) + "." + VariantExt(ref.Alpha)
}

// VariantExt is the extension of every variant of an image with or
// without alpha: derivable from the ref alone, so URLs need no lookup.
func VariantExt(alpha bool) string {
	if alpha {
		return "png"
	}
	return "jpg"
}

// ContentType returns the MIME type of a stored extension.
func ContentType(ext string) string {
	if ext == "png" {
		return "image/png"
	}
	return "image/jpeg"
}

// Process reads an upload, checks it and prepares the files to store. The
// type is decided by the bytes, never by a file name or a client MIME type.
// It decodes at once, however many other images are being decoded: the
// server goes through a Pool instead (tools may use this).
func Process(r io.Reader) (*Processed, error) {
	data, err := readUpload(r)
	if err != nil {
		return nil, err
	}
	h, err := inspect(data)
	if err != nil {
		return nil, err
	}
	return process(data, h)
}

// readUpload reads at most MaxBytes.
func readUpload(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("media: read upload: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, TooLarge()
	}
	return data, nil
}

// header is what inspect learns without decoding a pixel.
type header struct {
	format        string
	width, height int
}

// pixels is what decoding the image will hold, in pixels.
func (h header) pixels() int64 { return int64(h.width) * int64(h.height) }

// process decodes, orients and re-encodes an inspected upload.
func process(data []byte, h header) (*Processed, error) {
	img, err := decode(h.format, data)
	if err != nil {
		return nil, err
	}
	if h.format == "jpeg" {
		img = orient(img, exifOrientation(data))
	}
	b := img.Bounds()
	sum := sha256.Sum256(data)
	p := &Processed{
		Key:    hex.EncodeToString(sum[:16]),
		Width:  b.Dx(),
		Height: b.Dy(),
		Alpha:  !opaque(img),
	}
	if err := p.encode(h.format, img); err != nil {
		return nil, err
	}
	return p, nil
}

// inspect identifies the format from the header and enforces the pixel
// cap before any pixel is decoded.
func inspect(data []byte) (header, error) {
	_, format, err := image.DecodeConfig(bytes.NewReader(data))
	d, ok := decoders[format]
	if err != nil || !ok {
		return header{}, refused(store.EUnsupported, store.ReasonNotImage, "Not a supported image: upload a JPEG, PNG, GIF or WebP file.")
	}
	// Read the header again with the format's own decoder: image.DecodeConfig
	// may have matched a format registered elsewhere under the same name.
	cfg, err := d.config(bytes.NewReader(data))
	if err != nil {
		return header{}, refused(store.EUnsupported, store.ReasonNotImage, "Not a supported image: the %s header is unreadable.", strings.ToUpper(format))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return header{}, refused(store.EInvalid, store.ReasonBadImage, "The image has no pixels (%d×%d).", cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return header{}, refused(store.EInvalid, store.ReasonBadImage, "The image is %d×%d pixels; at most %d megapixels are accepted.",
			cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	return header{format: format, width: cfg.Width, height: cfg.Height}, nil
}

// decode decodes the full image. Decoders of damaged input have panicked
// before (index out of range on crafted data), so a panic is turned into
// the same clean error as a decode failure.
func decode(format string, data []byte) (img image.Image, err error) {
	defer func() {
		if v := recover(); v != nil {
			img, err = nil, damaged(format)
		}
	}()
	img, err = decoders[format].decode(bytes.NewReader(data))
	if err != nil || img == nil || img.Bounds().Empty() {
		return nil, damaged(format)
	}
	return img, nil
}

// damaged is the error for an image whose header is fine but whose pixels
// cannot be decoded: cut short, corrupted, or using a feature the decoder
// lacks (animated WebP).
func damaged(format string) error {
	return refused(store.EInvalid, store.ReasonBadImage, "The %s image is damaged, truncated or uses an unsupported feature.", strings.ToUpper(format))
}

// TooLarge is the refusal of an upload over MaxBytes.
func TooLarge() error {
	return refused(store.ETooLarge, store.ReasonImageTooLarge, "The image is larger than %d MiB.", MaxBytes>>20)
}

// refused is an upload media will not take: code and the English message
// for the API, plus the reason, with the limits it names, for pages that
// show it in the visitor's language.
func refused(code, reason string, format string, args ...any) error {
	e := store.Errorf(code, format, args...)
	e.Reason = store.Reason{Code: reason}
	switch reason {
	case store.ReasonImageTooLarge:
		e.Reason.Max = MaxBytes >> 20
	case store.ReasonBadImage:
		e.Reason.Max = MaxPixels / 1_000_000
	}
	return e
}

// opaque reports whether every pixel is fully opaque. Most decoded types
// answer through Opaque(), which scans the alpha channel.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}
