package media

import (
	"context"
	"errors"
	"io"
	"runtime"
	"time"

	"golang.org/x/sync/semaphore"

	"mypinterest/store"
)

// Defaults of PoolConfig's zero values.
const (
	// DefaultPixelBudget lets the largest accepted image (MaxPixels) and
	// a few ordinary photos decode at once. Decoding, resizing and
	// encoding hold about 10 bytes per declared pixel
	// (BenchmarkPoolPeakMemory: 12 uploads of 3000×3000 at once peak at
	// +178 MB through a 2-worker pool, +1015 MB without it), so this
	// bounds the pool to roughly 480 MB at its busiest.
	DefaultPixelBudget = 48_000_000
	// DefaultQueueWait is how long an upload waits for room before it is
	// refused as busy: long enough to ride out a burst, short enough
	// that the client hears within a few seconds.
	DefaultQueueWait = 2 * time.Second
)

// PoolConfig bounds a Pool. Zero values take the defaults.
type PoolConfig struct {
	// Workers is how many images decode and encode at once; default
	// GOMAXPROCS (the work is CPU-bound: more would only share the
	// cores and hold more memory).
	Workers int
	// PixelBudget caps the pixels (width×height, as each header declares
	// them) of all images being processed at once. It is raised to
	// MaxPixels if lower, so that every accepted image can run.
	PixelBudget int64
	// QueueWait is the longest an upload waits for a worker and its
	// pixels.
	QueueWait time.Duration
}

// Pool processes uploads with bounded concurrency and memory: an upload
// first reads its header (no pixel decoded), then waits, in arrival order,
// for a worker and for its declared pixels out of the budget; one that
// cannot start within QueueWait is refused with ErrBusy. So however many
// uploads arrive at once, at most Workers decode and at most PixelBudget
// pixels are held.
type Pool struct {
	workers *semaphore.Weighted
	pixels  *semaphore.Weighted
	wait    time.Duration
}

// NewPool returns a pool bounded by cfg.
func NewPool(cfg PoolConfig) *Pool {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.PixelBudget <= 0 {
		cfg.PixelBudget = DefaultPixelBudget
	}
	cfg.PixelBudget = max(cfg.PixelBudget, MaxPixels)
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = DefaultQueueWait
	}
	return &Pool{
		workers: semaphore.NewWeighted(int64(cfg.Workers)),
		pixels:  semaphore.NewWeighted(cfg.PixelBudget),
		wait:    cfg.QueueWait,
	}
}

// ErrBusy is returned when an upload could not start within the queue
// wait: a 503, which the client may retry shortly.
var ErrBusy = store.Errorf(store.EUnavailable, "Too many images are being processed; try again in a few seconds.")

// Process is the package's Process, within the pool's bounds. ctx ending
// while the upload waits gives up the wait with ctx's error.
func (p *Pool) Process(ctx context.Context, r io.Reader) (*Processed, error) {
	data, err := readUpload(r)
	if err != nil {
		return nil, err
	}
	h, err := inspect(data)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(p.wait)
	if err := p.acquire(ctx, p.pixels, h.pixels(), deadline); err != nil {
		return nil, err
	}
	defer p.pixels.Release(h.pixels())
	if err := p.acquire(ctx, p.workers, 1, deadline); err != nil {
		return nil, err
	}
	defer p.workers.Release(1)
	return process(data, h)
}

// acquire takes n of sem, waiting until deadline at most. Room that is
// free now is taken without a deadline: a semaphore refuses an expired
// context even when it could grant at once, and a descheduled goroutine
// on a busy machine can outlive a short wait before it even asks.
// TryAcquire still queues behind earlier waiters, so arrival order holds.
func (p *Pool) acquire(ctx context.Context, sem *semaphore.Weighted, n int64, deadline time.Time) error {
	if sem.TryAcquire(n) {
		return nil
	}
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := sem.Acquire(wctx, n); err != nil {
		return p.waitFailed(ctx, err)
	}
	return nil
}

// waitFailed tells the caller's own end (a cancelled request) from the
// pool being full.
func (p *Pool) waitFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrBusy
	}
	return err
}
