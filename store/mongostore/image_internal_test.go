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
		return &store.ImageFile{Name: fmt.Sprintf("f%d", i), Data: make([]byte, size)}
	}
	for i := range 16 {
		c.put(file(i, 100))
	}
	if c.get("f0") == nil { // f0 becomes the most recently used
		t.Fatal("f0 missing before the budget is reached")
	}
	c.put(file(16, 100))
	if c.get("f1") != nil {
		t.Error("f1, the least recently used, was not evicted")
	}
	if c.get("f0") == nil || c.get("f16") == nil {
		t.Error("recently used files were evicted")
	}
	if c.size > c.max {
		t.Errorf("size %d over budget %d", c.size, c.max)
	}
	c.put(file(17, 101))
	if c.get("f17") != nil {
		t.Error("a file over 1/16 of the budget was cached")
	}
}
