package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"mypinterest/store"
	"mypinterest/store/migrate"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
)

// Before the SQLite store, the embedded mode ran FerretDB on SQLite files
// of its own under DATA_DIR/db, one <database>.sqlite per database.
// import-legacy copies one of them into DATA_DIR/mypinterest.db and then
// renames DATA_DIR/db to DATA_DIR/db.imported, which keeps the old files
// and stops the layout being detected again.
const (
	legacyDirName    = "db"
	importedDirName  = "db.imported"
	legacyFileExt    = ".sqlite"
	importingMarker  = ".importing" // inside DATA_DIR/db while an import is under way
	legacyRunCommand = "mypinterest import-legacy"
)

// legacyDatabases returns the names of the FerretDB-era databases under
// dataDir (none when there is no such layout, or it was imported).
func legacyDatabases(dataDir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dataDir, legacyDirName, "*"+legacyFileExt))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			names = append(names, strings.TrimSuffix(filepath.Base(f), legacyFileExt))
		}
	}
	return names, nil
}

// legacyDataDir reports whether dataDir holds data of the FerretDB era
// that was not imported yet.
func legacyDataDir(dataDir string) (bool, error) {
	names, err := legacyDatabases(dataDir)
	return len(names) > 0, err
}

// legacyDataError stops the embedded mode from starting on an empty store
// beside data of an earlier version, which would look as if it was lost.
type legacyDataError struct{ DataDir string }

func (e *legacyDataError) Error() string {
	old := filepath.Join(e.DataDir, legacyDirName)
	return fmt.Sprintf("DATA_DIR %s holds data from an earlier version (%s): run `%s` once to bring it over "+
		"(the old files are kept), then start again; to start afresh instead, move %s away",
		e.DataDir, old, legacyRunCommand, old)
}

// checkLegacyDataDir returns a *legacyDataError when dataDir holds data of
// the FerretDB era not yet imported; the server calls it before opening
// the embedded store.
func checkLegacyDataDir(dataDir string) error {
	legacy, err := legacyDataDir(dataDir)
	if err != nil {
		return fmt.Errorf("DATA_DIR %s: %w", dataDir, err)
	}
	if legacy {
		return &legacyDataError{DataDir: dataDir}
	}
	return nil
}

// importLegacy copies database dbName of the FerretDB-era layout under
// dataDir into the SQLite store there.
func importLegacy(ctx context.Context, dataDir, dbName string, opts migrate.Options, out io.Writer) error {
	oldDir := filepath.Join(dataDir, legacyDirName)
	names, err := legacyDatabases(dataDir)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if _, err := os.Stat(filepath.Join(dataDir, importedDirName)); err == nil {
			fmt.Fprintf(out, "Nothing to import: %s was imported already (the old files are in %s).\n",
				dataDir, filepath.Join(dataDir, importedDirName))
			return nil
		}
		return &usageError{fmt.Sprintf("no data of an earlier version in %s (DATA_DIR is %s): nothing to import", oldDir, dataDir)}
	}
	if !slices.Contains(names, dbName) {
		return &usageError{fmt.Sprintf("%s holds database(s) %s but not %q: pass --db with the name (MONGODB_DB of the old setup)",
			oldDir, strings.Join(names, ", "), dbName)}
	}
	to, err := sqlitestore.Open(ctx, dataDir, store.Options{})
	if err != nil {
		return err
	}
	defer to.Close(context.Background())
	marker := filepath.Join(oldDir, importingMarker)
	if n, err := records(ctx, to); err != nil {
		return err
	} else if _, merr := os.Stat(marker); n > 0 && merr != nil {
		return fmt.Errorf("%s already holds %d records: import-legacy fills an empty store only. "+
			"Move it away and run again", filepath.Join(dataDir, sqlitestore.FileName), n)
	}
	// The marker tells a rerun that records already in the target are
	// this import's own.
	if err := os.WriteFile(marker, []byte("import-legacy under way since "+time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "Importing database %q of %s into %s.\n", dbName, oldDir, filepath.Join(dataDir, sqlitestore.FileName))
	if err := copyLegacy(ctx, oldDir, dbName, to, opts, out); err != nil {
		return err
	}
	if err := os.Remove(marker); err != nil {
		return err
	}
	done := filepath.Join(dataDir, importedDirName)
	if _, err := os.Stat(done); err == nil {
		done += "-" + time.Now().UTC().Format("20060102T150405")
	}
	if err := os.Rename(oldDir, done); err != nil {
		return fmt.Errorf("imported, but renaming %s failed (rename it yourself so it is not offered again): %w", oldDir, err)
	}
	fmt.Fprintf(out, "Done. The old files are kept in %s; delete it once you are satisfied.\n", done)
	return nil
}

// copyLegacy runs FerretDB on the old files, finishes any deletion the
// old version left half-done (as its start-up would have), copies into to
// and stops FerretDB again.
func copyLegacy(ctx context.Context, oldDir, dbName string, to store.Transfer, opts migrate.Options, out io.Writer) (err error) {
	emb, err := mongostore.StartEmbedded(oldDir, "", quietLogger(out))
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = errors.Join(err, emb.Stop(stopCtx))
	}()
	from, err := mongostore.Open(ctx, emb.URI(), dbName, mongostore.Options{})
	if err != nil {
		return err
	}
	defer from.Close(context.Background())
	if err := from.ResumeDeletions(ctx); err != nil {
		return fmt.Errorf("finish interrupted deletions: %w", err)
	}
	return copyAndVerify(ctx, from, to, opts, out)
}
