package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"mypinterest/store"
)

// DefaultOpTimeout bounds each command a request sends when
// Options.OpTimeout is 0. A database that stops answering with its
// connections still open (a hung process, a full disk, a partition that
// drops packets) is then a 503 within 2 s (docs/API.md §Errors): the driver's own
// per-operation timeout (Open) applies only to contexts without a
// deadline, and every request's context has one of 30 s.
const DefaultOpTimeout = 1500 * time.Millisecond

// collection is a *mongo.Collection whose commands each get at most
// timeout, unless their context is marked longRunning. Every method this
// package calls that sends a command is bounded here; a cursor's further
// batches (Cursor.All, Next) run on the caller's context, which only the
// rare result larger than one batch needs.
type collection struct {
	*mongo.Collection
	timeout time.Duration // <= 0: no bound
}

type longRunningKey struct{}

// longRunning marks ctx as carrying work whose single commands may take
// long on a healthy database (cascades over a whole account, transfers,
// index builds, image chunks): no per-command bound, only ctx's own
// deadline. Such work always starts after a bounded command (an owner
// check, a password check), so a hung database is still found fast.
func longRunning(ctx context.Context) context.Context {
	return context.WithValue(ctx, longRunningKey{}, true)
}

// bound returns ctx limited to d, unless d <= 0 or ctx is long-running.
func bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 || ctx.Value(longRunningKey{}) != nil {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// errUnavailable is what a command that failed for want of a database
// carries, so that callers answer 503 unavailable (store.ErrorCode).
var errUnavailable = &store.Error{Code: store.EUnavailable, Message: "The database is not answering; try again."}

// databaseDown reports whether err means the database could not be
// reached or did not answer in time. A caller that went away
// (context.Canceled) is not an outage.
func databaseDown(err error) bool {
	var sel topology.ServerSelectionError
	return errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err) ||
		mongo.IsNetworkError(err) || errors.As(err, &sel) ||
		errors.Is(err, mongo.ErrClientDisconnected)
}

// unavailable adds errUnavailable to err when the database is down,
// keeping err in the chain (errors.Is still sees the driver's error).
func unavailable(err error) error {
	if err == nil || !databaseDown(err) || errors.Is(err, errUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", errUnavailable, err)
}

func (c *collection) Find(ctx context.Context, filter any, opts ...options.Lister[options.FindOptions]) (*mongo.Cursor, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	cur, err := c.Collection.Find(ctx, filter, opts...)
	return cur, unavailable(err)
}

func (c *collection) Aggregate(ctx context.Context, pipeline any, opts ...options.Lister[options.AggregateOptions]) (*mongo.Cursor, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	cur, err := c.Collection.Aggregate(ctx, pipeline, opts...)
	return cur, unavailable(err)
}

// singleResult settles r while its bounded context is alive (a FindOne
// reads its document lazily) and carries errUnavailable when the
// database is down.
func singleResult(r *mongo.SingleResult) *mongo.SingleResult {
	err := r.Err()
	if !databaseDown(err) {
		return r
	}
	return mongo.NewSingleResultFromDocument(bson.D{}, unavailable(err), nil)
}

func (c *collection) FindOne(ctx context.Context, filter any, opts ...options.Lister[options.FindOneOptions]) *mongo.SingleResult {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	return singleResult(c.Collection.FindOne(ctx, filter, opts...))
}

func (c *collection) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *mongo.SingleResult {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	return singleResult(c.Collection.FindOneAndUpdate(ctx, filter, update, opts...))
}

func (c *collection) CountDocuments(ctx context.Context, filter any, opts ...options.Lister[options.CountOptions]) (int64, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	n, err := c.Collection.CountDocuments(ctx, filter, opts...)
	return n, unavailable(err)
}

func (c *collection) InsertOne(ctx context.Context, doc any, opts ...options.Lister[options.InsertOneOptions]) (*mongo.InsertOneResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.InsertOne(ctx, doc, opts...)
	return r, unavailable(err)
}

func (c *collection) InsertMany(ctx context.Context, docs any, opts ...options.Lister[options.InsertManyOptions]) (*mongo.InsertManyResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.InsertMany(ctx, docs, opts...)
	return r, unavailable(err)
}

func (c *collection) UpdateOne(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.UpdateOne(ctx, filter, update, opts...)
	return r, unavailable(err)
}

func (c *collection) UpdateMany(ctx context.Context, filter, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.UpdateMany(ctx, filter, update, opts...)
	return r, unavailable(err)
}

func (c *collection) DeleteOne(ctx context.Context, filter any, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.DeleteOne(ctx, filter, opts...)
	return r, unavailable(err)
}

func (c *collection) DeleteMany(ctx context.Context, filter any, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.DeleteMany(ctx, filter, opts...)
	return r, unavailable(err)
}

func (c *collection) BulkWrite(ctx context.Context, models []mongo.WriteModel, opts ...options.Lister[options.BulkWriteOptions]) (*mongo.BulkWriteResult, error) {
	ctx, cancel := bound(ctx, c.timeout)
	defer cancel()
	r, err := c.Collection.BulkWrite(ctx, models, opts...)
	return r, unavailable(err)
}
