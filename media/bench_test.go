package media

import (
	"bytes"
	"testing"

	"mypinterest/internal/loadkit"
)

// BenchmarkProcess640x800 is the upload of the data-scale benchmark's
// pin-create scenario: a 640×800 JPEG.
func BenchmarkProcess640x800(b *testing.B) {
	data, err := loadkit.PinImage(1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
