package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"mypinterest/store/sqlitestore"
)

// compactCommand runs `mypinterest compact` for main and returns its exit
// code.
func compactCommand(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runCompact(ctx, args, os.Getenv, os.Stderr)
}

// runCompact rewrites the embedded database in DATA_DIR so that each table
// and index lies in one run of full pages (sqlitestore.Compact), with the
// server stopped: a file grown by months of writes has its tables' pages
// interleaved, and reads of it cost more (docs/OPERATIONS.md).
func runCompact(ctx context.Context, args []string, getenv func(string) string, out io.Writer) int {
	def := strings.TrimSpace(getenv("DATA_DIR"))
	if def == "" {
		def = "./data"
	}
	fs := flag.NewFlagSet("mypinterest compact", flag.ContinueOnError)
	fs.SetOutput(out)
	dataDir := fs.String("data-dir", def, "the embedded data directory (DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(out, "mypinterest compact: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	path := filepath.Join(*dataDir, sqlitestore.FileName)
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(out, "mypinterest compact: no embedded database at %s (DATA_DIR is %s): nothing to compact\n", path, *dataDir)
		return exitUsage
	}
	fmt.Fprintf(out, "compacting %s …\n", path)
	res, err := sqlitestore.Compact(ctx, *dataDir)
	switch {
	case errors.Is(err, sqlitestore.ErrDataDirInUse):
		fmt.Fprintf(out, "mypinterest compact: %s is open in another process: stop the server first\n", *dataDir)
		return exitUsage
	case err != nil:
		fmt.Fprintf(out, "mypinterest compact: %v (the database is as it was)\n", err)
		return exitFail
	}
	fmt.Fprintf(out, "compacted in %.1fs: %s → %s\n", res.Took.Seconds(), mib(res.Before), mib(res.After))
	return exitOK
}

// mib formats a size in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
