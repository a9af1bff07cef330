package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"golang.org/x/crypto/bcrypt"

	"mypinterest/internal/loadkit"
	"mypinterest/media"
	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
)

// sharedImages is how many distinct pictures the pins, groups and avatars
// share: the benchmark measures pages, not image storage, and a few real
// variants are enough for every /media/ URL to work.
const sharedImages = 6

// seedOptions are the flags of databench seed.
type seedOptions struct {
	dir, mongoURI, mongoDB string
	params                 Params
	batch                  int
	cpuProfile             string
}

func seedCommand(ctx context.Context, args []string, out, errOut io.Writer) int {
	var o seedOptions
	fs := flag.NewFlagSet("databench seed", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.dir, "data", "", "data directory: the SQLite database is created there, and the state file is written there in any case")
	fs.StringVar(&o.mongoURI, "mongo", "", "seed this MongoDB instead of SQLite (mongodb:// URI)")
	fs.StringVar(&o.mongoDB, "db", "mypinterest", "database name with -mongo")
	fs.IntVar(&o.params.Pins, "pins", 10_000, "pins to create")
	fs.IntVar(&o.params.Users, "users", 1_000, "users to create")
	fs.Uint64Var(&o.params.Seed, "seed", 1, "seed of the data set: the same seed and sizes give the same records")
	fs.IntVar(&o.batch, "batch", 5_000, "records per import transaction")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the seeding to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.dir == "" || o.params.Pins < 1 || o.params.Users < 2 || o.batch < 1 {
		fmt.Fprintln(errOut, "databench seed: -data is required, -pins ≥ 1, -users ≥ 2, -batch ≥ 1")
		return 2
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(errOut, "databench seed:", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if err := seed(ctx, o, out); err != nil {
		fmt.Fprintln(errOut, "databench seed:", err)
		return 1
	}
	return 0
}

// bulkStore is what seeding needs of a store.
type bulkStore interface {
	store.Transfer
	Close(ctx context.Context) error
}

func openStore(ctx context.Context, o seedOptions) (bulkStore, error) {
	if o.mongoURI == "" {
		return sqlitestore.Open(ctx, o.dir, store.Options{})
	}
	s, err := mongostore.Open(ctx, o.mongoURI, o.mongoDB, mongostore.Options{})
	if err != nil {
		return nil, err
	}
	bs, ok := any(s).(bulkStore)
	if !ok {
		_ = s.Close(ctx)
		return nil, errors.New("this MongoDB store cannot import in bulk (no store.Transfer)")
	}
	return bs, nil
}

func seed(ctx context.Context, o seedOptions, out io.Writer) error {
	start := time.Now()
	st, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer st.Close(context.WithoutCancel(ctx))
	if n, err := st.Count(ctx, store.KindUsers); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("the store already holds %d users: seed an empty one", n)
	}

	refs, files, err := makeImages()
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.MinCost)
	if err != nil {
		return err
	}
	g := newGenerator(o.params, refs, files, hash)
	fmt.Fprintf(out, "seeding %d pins, %d users (seed %d) in batches of %d\n", o.params.Pins, o.params.Users, o.params.Seed, o.batch)
	if err := importAll(ctx, st, g, o.batch, out); err != nil {
		return err
	}
	if opt, ok := st.(store.Optimizer); ok {
		// As a copy between stores does (migrate.Copy): the indexes as
		// a server that imported its data would have them.
		t := time.Now()
		if err := opt.Optimize(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "  optimized in %.1fs\n", time.Since(t).Seconds())
	}

	state := g.buildState()
	state.SeededAt = time.Now().UTC()
	elapsed := time.Since(start)
	state.SeedSeconds = elapsed.Seconds()
	if err := saveState(o.dir, state); err != nil {
		return err
	}
	var total int64
	for _, k := range store.Kinds {
		total += state.Records[k]
		fmt.Fprintf(out, "  %-13s %10d\n", k, state.Records[k])
	}
	fmt.Fprintf(out, "seeded %d records in %s: %.0f records/s, %.0f pins/s; state in %s\n",
		total, elapsed.Round(100*time.Millisecond), float64(total)/elapsed.Seconds(),
		float64(o.params.Pins)/elapsed.Seconds(), stateFile)
	return nil
}

// importAll generates in one goroutine and imports in this one, so that
// making records overlaps writing them. It prints progress every few
// seconds.
func importAll(ctx context.Context, st store.Transfer, g *generator, size int, out io.Writer) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan store.Batch, 4)
	go func() {
		defer close(batches)
		err := g.run(size, func(b store.Batch) error {
			select {
			case batches <- b:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
		if err != nil {
			cancel(err)
		}
	}()

	start, lastReport := time.Now(), time.Now()
	var done int64
	kind := store.Kind("")
	kindStart, kindDone := start, int64(0)
	for b := range batches {
		if b.Kind != kind {
			if kind != "" {
				fmt.Fprintf(out, "  %-13s %10d in %6.1fs\n", kind, kindDone, time.Since(kindStart).Seconds())
			}
			kind, kindStart, kindDone = b.Kind, time.Now(), 0
		}
		if err := st.Import(ctx, b); err != nil {
			cancel(err)
			for range batches { // let the generator finish
			}
			return fmt.Errorf("importing %s: %w", b.Kind, err)
		}
		done += int64(b.Len())
		kindDone += int64(b.Len())
		if time.Since(lastReport) >= 5*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(out, "    … %s: %d so far, %d records in %.0fs (%.0f/s)\n",
				kind, kindDone, done, time.Since(start).Seconds(), float64(done)/time.Since(start).Seconds())
		}
	}
	if kind != "" {
		fmt.Fprintf(out, "  %-13s %10d in %6.1fs\n", kind, kindDone, time.Since(kindStart).Seconds())
	}
	return context.Cause(ctx)
}

// makeImages turns a few generated 640×800 JPEGs into stored images
// exactly as an upload would be (original, detail and thumbnail).
func makeImages() ([]store.ImageRef, []store.ImageFile, error) {
	var refs []store.ImageRef
	var files []store.ImageFile
	for k := range sharedImages {
		data, err := loadkit.PinImage(1000 + k)
		if err != nil {
			return nil, nil, err
		}
		p, err := media.Process(bytes.NewReader(data))
		if err != nil {
			return nil, nil, err
		}
		refs = append(refs, p.Ref())
		files = append(files, p.Files...)
	}
	return refs, files, nil
}
