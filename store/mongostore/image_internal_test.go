package mongostore

import (
	"fmt"
	"mypinterest/store"
	"testing"
)

// The image cache keeps at most its budget of bytes, evicting the least
// recently used file, and never holds a file over 1/16 of the budget.
func TestImageCacheEviction(t *testing.T) {
	c := newImageCache(1600)
	file := func(i, size int) *store.ImageFile {
		return &store.ImageFile{Name: fmt.Sprintf("f%02d", i), Data: make([]byte, size)}
	}
	for i := range 16 {
		c.put(file(i, 97)) // 100 bytes with the name: the budget is full
	}
	if c.get("f00") == nil { // f00 becomes the most recently used
		t.Fatal("f00 missing before the budget is reached")
	}
	c.put(file(16, 97))
	if c.get("f01") != nil {
		t.Error("f01, the least recently used, was not evicted")
	}
	if c.get("f00") == nil || c.get("f16") == nil {
		t.Error("recently used files were evicted")
	}
	if n := c.files.Len(); n != 16 {
		t.Errorf("%d files held, want the 16 that fit the budget", n)
	}
	c.put(file(17, 101))
	if c.get("f17") != nil {
		t.Error("a file over 1/16 of the budget was cached")
	}
}
