package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"mypinterest/store"
	"mypinterest/store/migrate"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
)

// Moving house (docs/OPERATIONS.md): `mypinterest migrate` copies the
// embedded DATA_DIR into a MongoDB; `mypinterest import-legacy` copies a
// DATA_DIR of the FerretDB era (DATA_DIR/db) into the embedded SQLite
// store. Both copy every record with its id and times, show progress,
// verify the counts, and can simply be run again when interrupted.

// Exit codes of the moving commands.
const (
	exitOK    = 0
	exitFail  = 1 // the copy failed, was interrupted or counts differ
	exitUsage = 2 // bad flags or configuration
)

// isMoveCommand reports whether name is one of the moving commands.
func isMoveCommand(name string) bool { return name == "migrate" || name == "import-legacy" }

// moveHouse runs a moving command for main and returns its exit code.
func moveHouse(name string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runMove(ctx, name, args, os.Getenv, os.Stderr)
}

// runMove runs command name with args, reading defaults through getenv and
// writing progress and messages to out.
func runMove(ctx context.Context, name string, args []string, getenv func(string) string, out io.Writer) int {
	env := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("mypinterest "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	dataDir := fs.String("data-dir", env("DATA_DIR", "./data"), "the embedded data directory (DATA_DIR)")
	var to, dbName *string
	var resume *bool
	if name == "migrate" {
		to = fs.String("to", env("MONGODB_URI", ""), "the MongoDB to copy into: mongodb://host[:port]/database")
		dbName = fs.String("db", "", "the database, when the URI names none (default MONGODB_DB or mypinterest)")
		resume = fs.Bool("resume", false, "continue an interrupted copy into a database that is not empty")
	} else {
		dbName = fs.String("db", env("MONGODB_DB", "mypinterest"), "the database the old version used (MONGODB_DB)")
	}
	batch := fs.Int("batch", migrate.DefaultBatchSize, "records per batch")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(out, "mypinterest %s: unexpected argument %q\n", name, fs.Arg(0))
		return exitUsage
	}
	opts := migrate.Options{BatchSize: *batch, Progress: newProgressLine(out).report}
	var err error
	if name == "migrate" {
		if *to == "" {
			fmt.Fprintln(out, "mypinterest migrate: --to mongodb://host/database is required (or set MONGODB_URI)")
			return exitUsage
		}
		var db string
		if db, err = targetDB(*to, *dbName, env("MONGODB_DB", "mypinterest")); err == nil {
			err = migrateToMongo(ctx, *dataDir, *to, db, *resume, opts, out)
		}
	} else {
		err = importLegacy(ctx, *dataDir, *dbName, opts, out)
	}
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		fmt.Fprintf(out, "mypinterest %s: %v\n", name, err)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(out, "\nmypinterest %s: interrupted. Run the same command again to finish: records already copied are kept.\n", name)
	default:
		fmt.Fprintf(out, "\nmypinterest %s: %v\n", name, err)
	}
	return exitFail
}

// usageError is a mistake in the command line, not in the data.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// migrateToMongo copies the SQLite store in dataDir into database db at uri.
func migrateToMongo(ctx context.Context, dataDir, uri, db string, resume bool, opts migrate.Options, out io.Writer) error {
	if err := checkLegacyDataDir(dataDir); err != nil {
		return err
	}
	path := filepath.Join(dataDir, sqlitestore.FileName)
	if _, err := os.Stat(path); err != nil {
		return &usageError{fmt.Sprintf("no embedded database at %s (DATA_DIR is %s): nothing to copy", path, dataDir)}
	}
	from, err := sqlitestore.Open(ctx, dataDir, store.Options{})
	if err != nil {
		return err
	}
	defer from.Close(context.Background())
	to, err := mongostore.Open(ctx, uri, db, mongostore.Options{})
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redactURI(uri), err)
	}
	defer to.Close(context.Background())
	if n, err := records(ctx, to); err != nil {
		return err
	} else if n > 0 && !resume {
		return fmt.Errorf("database %q at %s already holds %d records. If they are from an interrupted copy of this DATA_DIR, "+
			"run again with --resume; otherwise copy into an empty database", db, redactURI(uri), n)
	}
	fmt.Fprintf(out, "Copying %s into database %q at %s.\n", path, db, redactURI(uri))
	if err := copyAndVerify(ctx, from, to, opts, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "Done. Serve it with MONGODB_URI=%s MONGODB_DB=%s and REDIS_URL; to keep everyone signed in, "+
		"set JWT_SECRET to the key in %s.\n", redactURI(uri), db, filepath.Join(dataDir, "jwt_secret"))
	return nil
}

// targetDB picks the database to copy into: the one uri names, else
// flagDB, else envDB (MONGODB_DB or its default). A --db that contradicts
// the URI is refused rather than guessed.
func targetDB(uri, flagDB, envDB string) (string, error) {
	cs, err := connstring.Parse(uri)
	if err != nil {
		return "", &usageError{fmt.Sprintf("--to: %v", err)}
	}
	switch {
	case cs.Database != "" && flagDB != "" && cs.Database != flagDB:
		return "", &usageError{fmt.Sprintf("--to names database %q but --db says %q", cs.Database, flagDB)}
	case cs.Database != "":
		return cs.Database, nil
	case flagDB != "":
		return flagDB, nil
	}
	return envDB, nil
}

// copyAndVerify copies from into to and compares their counts.
func copyAndVerify(ctx context.Context, from, to store.Transfer, opts migrate.Options, out io.Writer) error {
	start := time.Now()
	if err := migrate.Copy(ctx, from, to, opts); err != nil {
		return err
	}
	counts, err := migrate.Verify(ctx, from, to)
	var total int64
	for _, c := range counts {
		total += c.To
	}
	if err != nil {
		return fmt.Errorf("%w. Nothing was deleted; if the source changed during the copy, run the command again", err)
	}
	fmt.Fprintf(out, "Verified: %s records in both stores, copied in %s.\n", thousands(total), time.Since(start).Round(time.Millisecond))
	return nil
}

// records is the number of records of every kind in t.
func records(ctx context.Context, t store.Transfer) (int64, error) {
	var n int64
	for _, k := range store.Kinds {
		c, err := t.Count(ctx, k)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// redactURI hides the password of a connection string in messages.
func redactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	hostEnd := strings.IndexAny(rest, "/?")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	at := strings.LastIndex(rest[:hostEnd], "@")
	if at < 0 {
		return uri
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return uri
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// quietLogger keeps only errors of the embedded FerretDB, on out.
func quietLogger(out io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelError}))
}

// progressLine draws the copy's progress on out: one line per kind,
// redrawn in place (carriage return) on a terminal; elsewhere (a log)
// a line when a kind ends and at most every progressEvery in between.
type progressLine struct {
	out      io.Writer
	terminal bool
	last     time.Time
}

const progressEvery = 5 * time.Second

func newProgressLine(out io.Writer) *progressLine {
	p := &progressLine{out: out}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progressLine) report(pr migrate.Progress) {
	if !p.terminal && !pr.Finished && time.Since(p.last) < progressEvery {
		return
	}
	p.last = time.Now()
	pct := 100.0
	if pr.Total > 0 {
		pct = min(100, 100*float64(pr.Done)/float64(pr.Total))
	}
	line := fmt.Sprintf("  %-13s %11s / %-11s %5.1f%%  %9s/s", pr.Kind, thousands(pr.Done), thousands(pr.Total), pct, thousands(int64(pr.Rate())))
	switch {
	case pr.Finished:
		line += fmt.Sprintf("  done in %s", pr.Elapsed.Round(time.Millisecond))
	case pr.ETA() > 0:
		line += fmt.Sprintf("  ETA %s", pr.ETA().Round(time.Second))
	}
	end := "\n"
	if p.terminal && !pr.Finished {
		// Pad over a longer previous line, and stay on this one.
		end = "\x1b[K\r"
	}
	fmt.Fprint(p.out, line+end)
}

// thousands writes n with comma separators: 1234567 → 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
