package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A full pool (every worker busy, or the pixel budget spent) makes the
// next upload wait QueueWait and then refuse it as busy (503); room made
// in time lets it through; a caller that gives up gets its own error.
func TestPoolQueuesThenRefuses(t *testing.T) {
	small := mustPNG(t, gradient(40, 30))
	p := NewPool(PoolConfig{Workers: 1, PixelBudget: MaxPixels, QueueWait: 100 * time.Millisecond})
	ctx := context.Background()

	if _, err := p.Process(ctx, bytes.NewReader(small)); err != nil {
		t.Fatalf("idle pool: %v", err)
	}
	if err := p.workers.Acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := p.Process(ctx, bytes.NewReader(small)); !errors.Is(err, ErrBusy) {
		t.Fatalf("no free worker: %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("refused after %v, before the queue wait", waited)
	}
	// A worker freed while the upload waits lets it run.
	time.AfterFunc(20*time.Millisecond, func() { p.workers.Release(1) })
	if _, err := p.Process(ctx, bytes.NewReader(small)); err != nil {
		t.Fatalf("worker freed during the wait: %v", err)
	}

	// The pixel budget: with all but 1,000 pixels held, a 1,200-pixel
	// image waits and is refused; a 1,000-pixel one runs.
	if err := p.pixels.Acquire(ctx, MaxPixels-1000); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Process(ctx, bytes.NewReader(small)); !errors.Is(err, ErrBusy) {
		t.Fatalf("over the pixel budget: %v, want ErrBusy", err)
	}
	if _, err := p.Process(ctx, bytes.NewReader(mustPNG(t, gradient(40, 25)))); err != nil {
		t.Fatalf("within the pixel budget: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Process(cctx, bytes.NewReader(small)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	p.pixels.Release(MaxPixels - 1000)

	// Refused before waiting: an image over MaxPixels never queues.
	bomb := pngBomb(7000, 7000)
	start = time.Now()
	if _, err := p.Process(ctx, bytes.NewReader(bomb)); err == nil || errors.Is(err, ErrBusy) || time.Since(start) > 50*time.Millisecond {
		t.Errorf("oversized image: %v after %v", err, time.Since(start))
	}
}

// However many uploads arrive at once, at most Workers run.
func TestPoolBoundsConcurrency(t *testing.T) {
	p := NewPool(PoolConfig{Workers: 2, QueueWait: time.Minute})
	img := mustPNG(t, gradient(300, 200))
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ctx := context.Background()
			// Counted inside the worker slot only: hold one, as Process does.
			if err := p.workers.Acquire(ctx, 1); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for old := peak.Load(); n > old && !peak.CompareAndSwap(old, n); old = peak.Load() {
			}
			if _, err := process(img, header{format: "png", width: 300, height: 200}); err != nil {
				t.Error(err)
			}
			running.Add(-1)
			p.workers.Release(1)
		})
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d ran at once, want at most 2", peak.Load())
	}
}

// bombPNG is a small PNG declaring a w×h canvas of one colour: a few
// hundred KB that decode to w×h×4 bytes (the attack of issue 9: a 105 KB
// file declaring 6000×6000).
func bombPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	return mustPNG(tb, image.NewGray(image.Rect(0, 0, w, h)))
}

// BenchmarkPoolPeakMemory sends 12 uploads at once of a small PNG
// declaring 3000×3000 pixels, through the pool and without it, and
// reports the peak heap each run reached (sampled every millisecond) and
// the bytes per declared pixel of one image. Run it with
//
//	go test -run '^$' -bench PoolPeakMemory -benchtime 3x ./media/
func BenchmarkPoolPeakMemory(b *testing.B) {
	const n, side = 12, 3000
	data := bombPNG(b, side, side)
	b.Logf("upload: %d KB declaring %d×%d", len(data)>>10, side, side)
	for _, tc := range []struct {
		name    string
		bounded bool
	}{{"pool-2-workers", true}, {"unbounded", false}} {
		b.Run(tc.name, func(b *testing.B) {
			var worst uint64
			for b.Loop() {
				runtime.GC()
				base := heapInUse()
				stop := make(chan struct{})
				peak := make(chan uint64)
				go func() {
					var max uint64
					tick := time.NewTicker(time.Millisecond)
					defer tick.Stop()
					for {
						if h := heapInUse(); h > max {
							max = h
						}
						select {
						case <-stop:
							peak <- max
							return
						case <-tick.C:
						}
					}
				}()
				var wg sync.WaitGroup
				shared := NewPool(PoolConfig{Workers: 2, QueueWait: time.Minute})
				for range n {
					wg.Go(func() {
						var err error
						if tc.bounded {
							_, err = shared.Process(context.Background(), bytes.NewReader(data))
						} else {
							_, err = Process(bytes.NewReader(data))
						}
						if err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				close(stop)
				if d := <-peak - base; d > worst {
					worst = d
				}
			}
			b.ReportMetric(float64(worst)/(1<<20), "peak-MB")
			b.ReportMetric(float64(worst)/float64(n*side*side), "B/px-all")
			fmt.Printf("%s: %d uploads of %d×%d at once: peak heap +%d MB\n", tc.name, n, side, side, worst>>20)
		})
	}
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Free room is taken however short the queue wait and however late the
// goroutine gets to ask: on a busy machine a 1 ms wait can pass before
// the upload reaches the pool, and an idle pool must not refuse it.
func TestPoolIdleGrantsAfterWaitPassed(t *testing.T) {
	small := mustPNG(t, gradient(40, 30))
	p := NewPool(PoolConfig{Workers: 1, QueueWait: time.Nanosecond})
	for range 3 {
		if _, err := p.Process(context.Background(), bytes.NewReader(small)); err != nil {
			t.Fatalf("idle pool with a wait already passed: %v", err)
		}
	}
}
