package handlers

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// trickyStrings are what a user may type that JSON must escape.
var trickyStrings = []string{
	"", "plain", `"quoted" \ back\slash`, "<script>&amp;</script>", "line\nbreak\r\ttab\b\f\x00\x1f\x7f",
	"한글 제목 🎨", "js\u2028line\u2029end", "bad \xff\xfe utf8 \xe2\x82", "tail \xe2",
}

func samplePins() []store.PinView {
	img := store.ImageRef{Key: "ab12cd", Ext: "jpg", Width: 640, Height: 800}
	png := store.ImageRef{Key: "ef34", Ext: "png", Width: 10, Height: 20, Alpha: true}
	var pins []store.PinView
	for i, s := range trickyStrings {
		p := store.PinView{}
		p.ID, p.GroupID, p.Author.ID = bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
		p.Title, p.Content, p.Author.Nickname = s, trickyStrings[(i+1)%len(trickyStrings)], s
		p.Image = []store.ImageRef{img, png, {}}[i%3]
		p.Author.Avatar = []store.ImageRef{{}, png, img}[i%3]
		p.Counts = store.PinCounts{Likes: int64(i), Bookmarks: 1 << 40, Comments: -1, Saves: int64(i * 7)}
		p.LikedByMe, p.BookmarkedByMe = i%2 == 0, i%3 == 0
		p.SavedGroupIDs = []bson.ObjectID{bson.NewObjectID(), bson.NewObjectID()}[:i%3]
		p.CreatedAt = time.Date(2026, 11, 28, 18, 30, i, i*1000, time.FixedZone("KST", 9*3600))
		if i%2 == 1 {
			p.UpdatedAt = p.CreatedAt.Add(time.Millisecond)
		}
		pins = append(pins, p)
	}
	return pins
}

// The appender must give the encoder's very bytes, for every field and
// every string a user may type.
func TestPinJSONMatchesEncoder(t *testing.T) {
	for _, p := range samplePins() {
		want, err := json.Marshal(pinView(p))
		if err != nil {
			t.Fatal(err)
		}
		if got := appendPinJSON(nil, &p); !bytes.Equal(got, want) {
			t.Errorf("appendPinJSON differs:\n got %s\nwant %s", got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// BenchmarkPinJSON compares the ways to encode one pin: the encoder, the
// appender, and a hit in the pin JSON cache (hash the pin, look it up).
func BenchmarkPinJSON(b *testing.B) {
	pins := samplePins()
	p := &pins[1]
	b.Run("encoder", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(pinView(*p)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appender", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = appendPinJSON(buf[:0], p)
		}
	})
	b.Run("cache-hit", func(b *testing.B) {
		pc := newPinJSONCache(1 << 20)
		for b.Loop() {
			pc.encode(p)
		}
	})
}
