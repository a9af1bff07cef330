package loadkit

import (
	"bytes"
	"image"
	"image/jpeg"
	"strconv"
)

// Pin images are portrait 640×800, the size the original data set was
// measured with, so the server's resize work per upload is representative.
const (
	imageWidth  = 640
	imageHeight = 800
)

// PinImage returns a 640×800 JPEG whose pixels depend on seed, so that two
// different seeds never produce the same file (the server may hash content,
// and identical uploads would not exercise it the way real pins do).
//
// The picture is drawn straight into a 4:2:0 YCbCr buffer because that is
// the layout image/jpeg encodes without conversion; drawing RGBA and letting
// the encoder convert would roughly double the cost of seeding 500 pins.
func PinImage(seed int) ([]byte, error) {
	img := image.NewYCbCr(image.Rect(0, 0, imageWidth, imageHeight), image.YCbCrSubsampleRatio420)

	// Every parameter is derived from seed with small co-prime steps so that
	// consecutive seeds look visibly different, not just a pixel apart.
	slopeX := 1 + seed%5
	slopeY := 1 + (seed/5)%5
	stripe := 12 + (seed*7)%29
	offset := seed * 37
	for y := 0; y < imageHeight; y++ {
		row := img.Y[y*img.YStride : y*img.YStride+imageWidth]
		for x := range row {
			v := (x*slopeX + y*slopeY + offset) / 8
			if ((x+y+seed)/stripe)%2 == 0 {
				v += 40
			}
			row[x] = uint8(48 + v%160)
		}
	}

	cw, ch := imageWidth/2, imageHeight/2
	hueB := (seed * 53) % 256
	hueR := (seed * 97) % 256
	for y := 0; y < ch; y++ {
		cb := img.Cb[y*img.CStride : y*img.CStride+cw]
		cr := img.Cr[y*img.CStride : y*img.CStride+cw]
		for x := 0; x < cw; x++ {
			cb[x] = uint8((hueB + x/3) % 256)
			cr[x] = uint8((hueR + y/4) % 256)
		}
	}

	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ImagePool encodes n distinct pin images up front. Encoding one 640×800
// JPEG costs about 20 ms on the shared benchmark machine, so seeding reuses
// a small pool instead of spending ten CPU seconds on 500 unique files
// while the server under test competes for the same cores.
func ImagePool(n int) ([][]byte, error) {
	pool := make([][]byte, n)
	for i := range pool {
		img, err := PinImage(i)
		if err != nil {
			return nil, err
		}
		pool[i] = img
	}
	return pool, nil
}

// Distinct returns a copy of a JPEG with n written into a comment segment
// right after the start-of-image marker: the pixels and the decoding work
// stay the same while the bytes, and so the server's content hash, differ
// for every n. An upload benchmark can then send a new image each time
// without paying ~20 ms of encoding per request on the shared cores.
func Distinct(jpegData []byte, n uint64) []byte {
	const soi = 2 // the FF D8 start-of-image marker
	comment := strconv.AppendUint([]byte("loadkit "), n, 10)
	segLen := 2 + len(comment) // the length field counts itself
	out := make([]byte, 0, len(jpegData)+2+segLen)
	out = append(out, jpegData[:soi]...)
	out = append(out, 0xFF, 0xFE, byte(segLen>>8), byte(segLen))
	out = append(out, comment...)
	return append(out, jpegData[soi:]...)
}
