package media

import (
	"image"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/draw"
)

// scalePlane must compute what x/image/draw computes with the same kernel
// (which it replaces on the 4:2:0 path), to within a rounding step.
func TestScalePlaneMatchesDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name           string
		sw, sh, dw, dh int
		k              kernel
	}{
		{"thumb of 640×800", 640, 800, 236, 295, smooth},
		{"detail of 1000×500", 1000, 500, 736, 368, sharp},
		{"odd chroma", 501, 333, 118, 79, smooth},
		{"slight shrink", 737, 20, 736, 19, sharp},
		{"one column", 3000, 7, 236, 1, smooth},
		{"same size", 50, 40, 50, 40, sharp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := image.NewGray(image.Rect(0, 0, tc.sw, tc.sh))
			for i := range src.Pix {
				// Noise on a gradient: edges that push Catmull-Rom's lobes
				// past 0 and 255, where the result must clamp.
				src.Pix[i] = uint8(min(max(i%tc.sw/3+rng.IntN(160)-40, 0), 255))
			}
			want := image.NewGray(image.Rect(0, 0, tc.dw, tc.dh))
			tc.k.draw.Scale(want, want.Rect, src, src.Rect, draw.Src, nil)
			got := make([]uint8, tc.dw*tc.dh)
			scalePlane(got, tc.dw, tc.dw, tc.dh, src.Pix, src.Stride, tc.sw, tc.sh, tc.k.plane)
			worst := 0
			for i := range got {
				worst = max(worst, abs(int(got[i])-int(want.Pix[i])))
			}
			if worst > 1 {
				t.Errorf("differs from x/image/draw by up to %d levels", worst)
			}
		})
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// A flat plane stays exactly flat: the weights of every output sample sum
// to one exactly.
func TestScalePlaneKeepsFlatAreas(t *testing.T) {
	for _, f := range []filter{triangle, catmullRom} {
		src := make([]uint8, 333*211)
		for i := range src {
			src[i] = 200
		}
		dst := make([]uint8, 100*61)
		scalePlane(dst, 100, 100, 61, src, 333, 333, 211, f)
		for i, v := range dst {
			if v != 200 {
				t.Fatalf("sample %d is %d, want 200", i, v)
			}
		}
	}
}
