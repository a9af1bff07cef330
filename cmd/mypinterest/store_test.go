package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerRefusesLegacyDataDir: the embedded server does not start on an
// empty store beside data of the FerretDB era, and says which command
// brings it over; once imported (db renamed), it starts.
func TestServerRefusesLegacyDataDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, legacyDirName), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, legacyDirName, "mypinterest"+legacyFileExt), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() error {
		cfg, err := LoadConfig(envOf(map[string]string{"DATA_DIR": dir, "ADDR": "127.0.0.1:0"}))
		if err != nil {
			t.Fatal(err)
		}
		m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		err = m.Run(t.Context())
		if cerr := m.Close(); cerr != nil {
			t.Errorf("close: %v", cerr)
		}
		return err
	}
	if err := run(); err == nil || !strings.Contains(err.Error(), "mypinterest import-legacy") {
		t.Fatalf("start beside legacy data: %v, want the import command named", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mypinterest.db")); !os.IsNotExist(err) {
		t.Errorf("an empty store was created beside the legacy data: %v", err)
	}
	if err := os.Rename(filepath.Join(dir, legacyDirName), filepath.Join(dir, importedDirName)); err != nil {
		t.Fatal(err)
	}
	if err := run(); err != nil {
		t.Fatalf("start after the import: %v", err)
	}
}
