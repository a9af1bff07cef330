package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"mypinterest/internal/bytecache"
	"mypinterest/store"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/sync/singleflight"
)

// imageBucket is the GridFS bucket holding every image file.
const imageBucket = "images"

// imageCacheBytes bounds the memory held by cached image files.
const imageCacheBytes = 64 << 20

// chunkSize is larger than the GridFS default (255 KiB; any size is valid
// and recorded per file): a variant fits in one chunk and a 10 MiB
// original in ten, which matters because of the lookup cost below.
const chunkSize = 1 << 20

// The documents below follow the GridFS specification, so the driver's
// GridFSBucket, mongofiles and backups see ordinary GridFS files. They are
// written and read here rather than through the driver's bucket because
// the bucket finds chunks by files_id, which FerretDB 1.24 on SQLite
// answers by decoding every chunk of every image in Go (measured: about
// 1 s per thumbnail with 20 MB stored). Here a file's _id is its name and
// each chunk's _id is derived from it, so a read is one lookup by _id per
// document: an index hit on MongoDB. FerretDB on SQLite pushes the _id
// filter down to SQLite but still scans the table there (its _id index
// expression differs from its query expression), about 10× cheaper than
// the bucket's way yet still growing with the bytes stored; the cache in
// front of OpenImage is what keeps the embedded mode's grid pages fast.

// gridFile is a document of images.files.
type gridFile struct {
	ID         string    `bson:"_id"` // = Filename
	Length     int64     `bson:"length"`
	ChunkSize  int32     `bson:"chunkSize"`
	UploadDate time.Time `bson:"uploadDate"`
	Filename   string    `bson:"filename"`
	Metadata   imageMeta `bson:"metadata"`
}

// imageMeta is the metadata subdocument of a GridFS file.
type imageMeta struct {
	ContentType string `bson:"contentType"`
}

// gridChunk is a document of images.chunks.
type gridChunk struct {
	ID      string `bson:"_id"`
	FilesID string `bson:"files_id"`
	N       int32  `bson:"n"`
	Data    []byte `bson:"data"`
}

func chunkID(name string, n int) string { return name + "#" + strconv.Itoa(n) }

func (s *Store) imageColls() (files, chunks *collection) {
	return &collection{Collection: s.db.Collection(imageBucket + ".files"), timeout: s.opTimeout},
		&collection{Collection: s.db.Collection(imageBucket + ".chunks"), timeout: s.opTimeout}
}

// PutImage stores files in GridFS, skipping those already there: names
// are derived from the content, so an existing name holds the same bytes.
//
// Chunks are written before the file document, which alone makes a file
// visible, so a reader never sees a partial file and an upload cut short
// is completed by the next one. Two uploads of the same image may run at
// once: each treats a duplicate key (the other's identical chunk or file
// document) as done, so neither fails and the file is stored once.
func (s *Store) PutImage(ctx context.Context, files []store.ImageFile) error {
	fc, cc := s.imageColls()
	for _, f := range files {
		err := fc.FindOne(ctx, bson.D{{Key: "_id", Value: f.Name}},
			options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			continue
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: find image %s: %w", f.Name, err)
		}
		var chunks []any
		for n := 0; n*chunkSize < len(f.Data); n++ {
			part := f.Data[n*chunkSize : min((n+1)*chunkSize, len(f.Data))]
			chunks = append(chunks, gridChunk{ID: chunkID(f.Name, n), FilesID: f.Name, N: int32(n), Data: part})
		}
		if len(chunks) > 0 {
			// Megabytes in one command: bounded by ctx alone; the
			// bounded look-up above has just found the database alive.
			_, err := cc.InsertMany(longRunning(ctx), chunks, options.InsertMany().SetOrdered(false))
			if err != nil && !onlyDuplicates(err) {
				return fmt.Errorf("store: write image %s: %w", f.Name, err)
			}
		}
		doc := gridFile{
			ID: f.Name, Filename: f.Name, Length: int64(len(f.Data)), ChunkSize: chunkSize,
			UploadDate: time.Now().UTC().Truncate(time.Millisecond),
			Metadata:   imageMeta{ContentType: f.ContentType},
		}
		if _, err := fc.InsertOne(ctx, doc); err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("store: write image %s: %w", f.Name, err)
		}
	}
	return nil
}

// onlyDuplicates reports whether every failed write of an unordered
// insert failed for a duplicate key, that is, was already stored.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// OpenImage returns the file stored under name, or ErrNotFound. Files are
// served from memory when possible: every grid page loads dozens of
// thumbnails, and a read from the database costs two round trips.
func (s *Store) OpenImage(ctx context.Context, name string) (*store.ImageFile, error) {
	if s.images == nil {
		return s.readImage(ctx, name)
	}
	if f := s.images.get(name); f != nil {
		return f, nil
	}
	// A new pin's thumbnail is requested by every open grid at once:
	// one read serves them all.
	v, err := coalesce(ctx, &s.images.flights, func() string { return name }, func() (any, error) {
		f, err := s.readImage(ctx, name)
		if err != nil {
			return nil, err
		}
		s.images.put(f)
		return f, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*store.ImageFile), nil
}

// readImage reads file name from GridFS: its document, then its chunks.
func (s *Store) readImage(ctx context.Context, name string) (*store.ImageFile, error) {
	fc, cc := s.imageColls()
	var doc gridFile
	if err := fc.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&doc); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, store.ErrNotFound
		}
		return nil, fmt.Errorf("store: find image %s: %w", name, err)
	}
	// A mebibyte per chunk: bounded by ctx alone, like the writes; the
	// bounded look-up above has just found the database alive.
	ctx = longRunning(ctx)
	data := make([]byte, 0, doc.Length)
	for n := 0; int64(len(data)) < doc.Length; n++ {
		var c gridChunk
		if err := cc.FindOne(ctx, bson.D{{Key: "_id", Value: chunkID(name, n)}}).Decode(&c); err != nil {
			return nil, fmt.Errorf("store: read image %s chunk %d: %w", name, n, err)
		}
		if len(c.Data) == 0 {
			return nil, fmt.Errorf("store: read image %s: empty chunk %d", name, n)
		}
		data = append(data, c.Data...)
	}
	if int64(len(data)) != doc.Length {
		return nil, fmt.Errorf("store: read image %s: %d bytes, want %d", name, len(data), doc.Length)
	}
	return &store.ImageFile{Name: name, ContentType: doc.Metadata.ContentType, Data: data}, nil
}

// imageCache keeps whole image files by name, least recently used first
// out, within a byte budget. No invalidation exists because a name never
// changes content.
type imageCache struct {
	max     int64
	files   *bytecache.Cache[string, *store.ImageFile]
	flights singleflight.Group // concurrent reads of one file
}

func newImageCache(max int64) *imageCache {
	return &imageCache{max: max, files: bytecache.New(max, func(name string, f *store.ImageFile) int64 {
		return int64(len(name) + len(f.Data))
	})}
}

func (c *imageCache) get(name string) *store.ImageFile {
	f, _ := c.files.Get(name)
	return f
}

func (c *imageCache) put(f *store.ImageFile) {
	// Large originals are rarely requested and would evict many
	// thumbnails, so only files up to 1/16 of the budget are kept.
	if int64(len(f.Data)) > c.max/16 {
		return
	}
	c.files.Put(f.Name, f)
}
