package mongostore

import (
	"context"
	"fmt"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// exportImageBytes bounds the image bytes of one exported batch, whatever
// its limit: originals reach 10 MiB, so a thousand of them would not fit
// in memory. A variable for tests only.
var exportImageBytes int64 = 32 << 20

// exportImages returns up to limit image files named after after, in name
// order, with their data: the files' documents in one query, then all
// their chunks in one more. A batch cut short by exportImageBytes still
// has a Next.
func (s *Store) exportImages(ctx context.Context, after string, limit int) (store.Batch, error) {
	b := store.Batch{Kind: store.KindImages}
	fc, cc := s.imageColls()
	filter := bson.D{}
	if after != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	cur, err := fc.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return b, fmt.Errorf("store: export images: %w", err)
	}
	var files []gridFile
	if err := cur.All(ctx, &files); err != nil {
		return b, fmt.Errorf("store: export images: %w", err)
	}
	full := len(files) == limit
	var size int64
	for i, f := range files {
		if size += f.Length; size > exportImageBytes && i > 0 {
			files, full = files[:i], true
			break
		}
	}
	var chunkIDs []string
	for _, f := range files {
		if f.ChunkSize <= 0 {
			return b, fmt.Errorf("store: export image %s: chunk size %d", f.ID, f.ChunkSize)
		}
		for n := range chunkCount(f) {
			chunkIDs = append(chunkIDs, chunkID(f.ID, n))
		}
	}
	data := make(map[string][]byte, len(chunkIDs))
	if len(chunkIDs) > 0 {
		cur, err := cc.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunkIDs}}}})
		if err != nil {
			return b, fmt.Errorf("store: export images: %w", err)
		}
		var chunks []gridChunk
		if err := cur.All(ctx, &chunks); err != nil {
			return b, fmt.Errorf("store: export images: %w", err)
		}
		for _, c := range chunks {
			data[c.ID] = c.Data
		}
	}
	for _, f := range files {
		buf := make([]byte, 0, f.Length)
		for n := range chunkCount(f) {
			buf = append(buf, data[chunkID(f.ID, n)]...)
		}
		if int64(len(buf)) != f.Length {
			return b, fmt.Errorf("store: export image %s: %d bytes, want %d", f.ID, len(buf), f.Length)
		}
		b.Images = append(b.Images, store.ImageFile{Name: f.ID, ContentType: f.Metadata.ContentType, Data: buf})
	}
	if full && len(files) > 0 {
		b.Next = files[len(files)-1].ID
	}
	return b, nil
}

// chunkCount is how many chunks hold f's bytes.
func chunkCount(f gridFile) int {
	return int((f.Length + int64(f.ChunkSize) - 1) / int64(f.ChunkSize))
}
