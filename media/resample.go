package media

import (
	"math"
	"sync"
)

// A plane resampler for the 4:2:0 path (fitYCbCr). x/image/draw's kernels
// read a *image.Gray source quickly but write a *image.Gray destination
// through the generic RGBA64 interface, one call per sample, and keep a
// [4]float64 intermediate per sample (6 MB for a 640×800 luma plane): that
// was a third of an upload's CPU. This one runs the same separable filters
// (same kernels, same sample centres, weights normalised per output sample)
// on bytes with integer weights.

// filter is a resampling kernel: at(t) for |t| < support.
type filter struct {
	support float64
	at      func(t float64) float64
}

// triangle is the bilinear kernel (draw.BiLinear).
var triangle = filter{1, func(t float64) float64 { return 1 - t }}

// catmullRom is the Catmull-Rom cubic (draw.CatmullRom): sharper, with a
// small negative lobe.
var catmullRom = filter{2, func(t float64) float64 {
	if t < 1 {
		return (1.5*t-2.5)*t*t + 1
	}
	return ((-0.5*t+2.5)*t-4)*t + 2
}}

// weightBits is the fixed-point precision of a weight: the weights of one
// output sample sum to 1<<weightBits.
const weightBits = 14

// taps are the weights of every output sample along one axis: output i
// reads inputs first[i] … first[i]+n[i]-1 with weights w[off[i]:].
type taps struct {
	first, n, off []int32
	w             []int32
}

// newTaps computes the taps that scale srcN samples to dstN with f. A
// source sample k has its centre at k+0.5, like output samples, and
// shrinking widens the kernel by the scale so that every input counts.
func newTaps(f filter, srcN, dstN int) taps {
	scale := float64(srcN) / float64(dstN)
	half, argScale := f.support, 1.0
	if scale > 1 {
		half *= scale
		argScale = 1 / scale
	}
	t := taps{first: make([]int32, dstN), n: make([]int32, dstN), off: make([]int32, dstN)}
	fw := make([]float64, 0, int(2*half)+2)
	for i := range dstN {
		centre := (float64(i)+0.5)*scale - 0.5
		lo := max(int(math.Floor(centre-half)), 0)
		hi := min(int(math.Ceil(centre+half)), srcN)
		fw = fw[:0]
		total, first := 0.0, -1
		for k := lo; k < hi; k++ {
			d := math.Abs(centre-float64(k)) * argScale
			if d >= f.support {
				if first >= 0 {
					fw = append(fw, 0) // keep the run contiguous
				}
				continue
			}
			if first < 0 {
				first = k
			}
			wk := f.at(d)
			fw = append(fw, wk)
			total += wk
		}
		for len(fw) > 0 && fw[len(fw)-1] == 0 {
			fw = fw[:len(fw)-1]
		}
		if first < 0 { // cannot happen for dstN ≤ srcN·2; be safe
			first, fw, total = min(int(centre+0.5), srcN-1), append(fw, 1), 1
		}
		t.first[i], t.n[i], t.off[i] = int32(first), int32(len(fw)), int32(len(t.w))
		// Round every weight, then give the rounding error to the largest
		// so that a flat area stays exactly flat.
		sum, big := int32(0), len(t.w)
		for _, wk := range fw {
			q := int32(math.Round(wk / total * (1 << weightBits)))
			t.w = append(t.w, q)
			sum += q
			if q > t.w[big] {
				big = len(t.w) - 1
			}
		}
		t.w[big] += 1<<weightBits - sum
	}
	return t
}

// interBits is the extra precision the horizontal pass keeps for the
// vertical one (its output is sample·2^interBits, as int32).
const interBits = 6

// tmpPool recycles the intermediate of the two passes.
var tmpPool = sync.Pool{New: func() any { return new([]int32) }}

// scalePlane resamples the sw×sh plane src (rows stride sstride apart) into
// the dw×dh plane dst (stride dstride) with f: rows first, into an
// intermediate dw×sh, then columns.
func scalePlane(dst []uint8, dstride, dw, dh int, src []uint8, sstride, sw, sh int, f filter) {
	tx, ty := newTaps(f, sw, dw), newTaps(f, sh, dh)
	bufp := tmpPool.Get().(*[]int32)
	defer tmpPool.Put(bufp)
	if cap(*bufp) < dw*sh {
		*bufp = make([]int32, dw*sh)
	}
	tmp := (*bufp)[:dw*sh]

	const hShift = weightBits - interBits
	for y := range sh {
		row := src[y*sstride : y*sstride+sw]
		out := tmp[y*dw : (y+1)*dw]
		for x := range out {
			first, w := tx.first[x], tx.w[tx.off[x]:tx.off[x]+tx.n[x]]
			in := row[first : int(first)+len(w)]
			var acc int32
			for k, wk := range w {
				acc += int32(in[k]) * wk
			}
			out[x] = (acc + 1<<(hShift-1)) >> hShift
		}
	}

	// Columns: each output row is a weighted sum of whole intermediate
	// rows, accumulated row by row so that memory is read in order.
	acc := make([]int32, dw)
	const vShift = weightBits + interBits
	for y := range dh {
		first, w := int(ty.first[y]), ty.w[ty.off[y]:ty.off[y]+ty.n[y]]
		clear(acc)
		for k, wk := range w {
			in := tmp[(first+k)*dw : (first+k+1)*dw]
			for x, v := range in {
				acc[x] += v * wk
			}
		}
		out := dst[y*dstride : y*dstride+dw]
		for x, a := range acc {
			out[x] = uint8(min(max((a+1<<(vShift-1))>>vShift, 0), 255))
		}
	}
}
