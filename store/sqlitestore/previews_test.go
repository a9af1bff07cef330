package sqlitestore

import (
	"reflect"
	"testing"

	"mypinterest/store"
)

var previewSamples = []string{
	`[]`,
	`[["ab12","jpg",640,800,0]]`,
	`[["ab12","jpg",640,800,0],["cd34","png",1,2,1],["","",0,0,0]]`,
	`[["a\"b","jpg",1,2,0]]`, // an escape: left to encoding/json
	`[ ["ab","jpg",1,2,0] ]`, // whitespace: likewise
	`[["ab","jpg",1.5,2,0]]`, // not an integer: likewise
	`[["ab","jpg",-1,2,0]]`,
	`[["ab","jpg",0640,2,0]]`, // not JSON at all
	`[["한","jpg",1,2,0]]`,
	`[["ab","jpg",1234567890,2,0]]`,
}

// Whatever the scanner accepts, encoding/json decodes to the same refs,
// and what it refuses parsePreviews still decodes when it is JSON.
func TestPreviewsScanAsJSON(t *testing.T) {
	for _, raw := range previewSamples {
		checkPreviewScan(t, raw)
	}
	got, err := parsePreviews(`[ ["k","png",3,4,1] ]`)
	want := []store.ImageRef{{Key: "k", Ext: "png", Width: 3, Height: 4, Alpha: true}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("parsePreviews with spaces = %v, %v; want %v", got, err, want)
	}
	if _, ok := scanPreviews(`[["ab12","jpg",640,800,0]]`); !ok {
		t.Fatal("the scanner refuses what SQLite writes")
	}
}

func FuzzScanPreviews(f *testing.F) {
	for _, raw := range previewSamples {
		f.Add(raw)
	}
	f.Fuzz(checkPreviewScan)
}

func checkPreviewScan(t *testing.T, raw string) {
	got, ok := scanPreviews(raw)
	if !ok {
		return
	}
	want, err := decodePreviews(raw)
	if err != nil {
		t.Fatalf("scanPreviews accepted %q, which is not JSON: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("scanPreviews(%q) = %v, encoding/json gives %v", raw, got, want)
	}
}
