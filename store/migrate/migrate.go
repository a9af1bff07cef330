// Package migrate copies every record of one store into another, ids and
// times kept: an embedded DATA_DIR into MongoDB when a site outgrows one
// machine, and a FerretDB-era DATA_DIR into the SQLite store. It knows the
// stores only through store.Transfer.
package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mypinterest/store"
)

// Default batch sizes: records of most kinds are small, so a thousand
// make a cheap round trip; images are up to 10 MiB each.
const (
	DefaultBatchSize      = 1000
	DefaultImageBatchSize = 50
)

// Options tune a copy; the zero value uses the defaults.
type Options struct {
	BatchSize      int // records per batch, images excepted
	ImageBatchSize int // image files per batch
	// Progress, when set, is called at the start of every kind and after
	// every batch written, from the copying goroutine.
	Progress func(Progress)
}

// Progress reports the copy of one kind.
type Progress struct {
	Kind  store.Kind
	Done  int64 // records of Kind written so far (again, on a rerun)
	Total int64 // records of Kind in the source when its copy began
	// Elapsed is the time since the copy of Kind began.
	Elapsed time.Duration
	// Finished is set on the last report of Kind.
	Finished bool
}

// Rate is the records written per second so far.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// ETA estimates the time left for Kind at the rate so far; 0 when unknown
// or done.
func (p Progress) ETA() time.Duration {
	r := p.Rate()
	if r <= 0 || p.Done >= p.Total {
		return 0
	}
	return time.Duration(float64(p.Total-p.Done) / r * float64(time.Second))
}

// Copy writes every record of from into to, kind by kind in store.Kinds
// order (so that every record's references are there before it).
//
// Nothing is skipped on a rerun: Import leaves records already there
// alone, so a copy that was interrupted, or one whose source changed
// since, is finished by running Copy again. Equal counts would not prove
// a kind complete (a source that lost one record and gained another
// since the last copy has the same count), so every kind is read again.
func Copy(ctx context.Context, from, to store.Transfer, opts Options) error {
	for _, kind := range store.Kinds {
		if err := copyKind(ctx, from, to, kind, opts); err != nil {
			return err
		}
	}
	if o, ok := to.(store.Optimizer); ok {
		if err := o.Optimize(ctx); err != nil {
			return fmt.Errorf("optimize the destination: %w", err)
		}
	}
	return nil
}

func copyKind(ctx context.Context, from, to store.Transfer, kind store.Kind, opts Options) error {
	limit := opts.BatchSize
	if kind == store.KindImages {
		limit = opts.ImageBatchSize
		if limit <= 0 {
			limit = DefaultImageBatchSize
		}
	} else if limit <= 0 {
		limit = DefaultBatchSize
	}
	total, err := from.Count(ctx, kind)
	if err != nil {
		return fmt.Errorf("count %s in the source: %w", kind, err)
	}
	start := time.Now()
	p := Progress{Kind: kind, Total: total}
	report := func() {
		if opts.Progress != nil {
			p.Elapsed = time.Since(start)
			opts.Progress(p)
		}
	}
	report()
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := from.Export(ctx, kind, after, limit)
		if err != nil {
			return fmt.Errorf("read %s after %q: %w", kind, after, err)
		}
		if b.Kind != kind {
			return fmt.Errorf("read %s: the source returned a batch of %s", kind, b.Kind)
		}
		if n := b.Len(); n > 0 {
			if err := to.Import(ctx, b); err != nil {
				return fmt.Errorf("write %s after %q: %w", kind, after, err)
			}
			p.Done += int64(n)
		}
		if b.Next == "" {
			break
		}
		// Keys only grow; a source that repeats one would loop forever.
		if b.Next <= after {
			return fmt.Errorf("read %s: the source went back from %q to %q", kind, after, b.Next)
		}
		after = b.Next
		report()
	}
	p.Finished = true
	report()
	return nil
}

// Count is one kind's number of records in both stores.
type Count struct {
	Kind     store.Kind
	From, To int64
}

// MismatchError lists the kinds whose counts differ after a copy.
type MismatchError struct {
	Counts []Count
}

func (e *MismatchError) Error() string {
	parts := make([]string, len(e.Counts))
	for i, c := range e.Counts {
		parts[i] = fmt.Sprintf("%s: %d in the source, %d in the target", c.Kind, c.From, c.To)
	}
	return "counts differ after the copy (" + strings.Join(parts, "; ") + ")"
}

// Verify counts every kind in both stores. It returns all counts, and a
// *MismatchError naming the kinds that differ, if any.
func Verify(ctx context.Context, from, to store.Transfer) ([]Count, error) {
	counts := make([]Count, 0, len(store.Kinds))
	var bad []Count
	for _, kind := range store.Kinds {
		c := Count{Kind: kind}
		var err error
		if c.From, err = from.Count(ctx, kind); err != nil {
			return counts, fmt.Errorf("count %s in the source: %w", kind, err)
		}
		if c.To, err = to.Count(ctx, kind); err != nil {
			return counts, fmt.Errorf("count %s in the target: %w", kind, err)
		}
		counts = append(counts, c)
		if c.From != c.To {
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 {
		return counts, &MismatchError{Counts: bad}
	}
	return counts, nil
}
