package main

import (
	"context"
	"io"
	"log/slog"
	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestMetricsOnTheAdminAddress: /metrics is served on ADMIN_ADDR, and on
// the public port only to a scraper with METRICS_TOKEN.
func TestMetricsOnTheAdminAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	admin := ln.Addr().String()
	ln.Close()
	token := "scrape-token-0123456789"
	cfg, err := LoadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "ADDR": "127.0.0.1:0",
		"ADMIN_ADDR": admin, "METRICS_TOKEN": token}))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	get := func(url, bearer string) int {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			r, _ := http.NewRequest("GET", url, nil)
			if bearer != "" {
				r.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := http.DefaultClient.Do(r)
			if err == nil {
				resp.Body.Close()
				return resp.StatusCode
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", url, err)
			}
			time.Sleep(20 * time.Millisecond) // the admin listener starts in the background
		}
	}
	if code := get("http://"+admin+"/metrics", ""); code != http.StatusOK {
		t.Errorf("admin /metrics: %d", code)
	}
	if code := get("http://"+m.Addr()+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("public /metrics without the token: %d, want 404", code)
	}
	if code := get("http://"+m.Addr()+"/metrics", token); code != http.StatusOK {
		t.Errorf("public /metrics with the token: %d", code)
	}
}

// TestStartupWaitsForTheDatabase: a scaled instance started before its
// database (as a stack starts them) waits for it instead of exiting,
// though requests give up on an unreachable database within a second.
func TestStartupWaitsForTheDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dbAddr := ln.Addr().String()
	ln.Close()
	cfg, err := LoadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "ADDR": "127.0.0.1:0",
		"MONGODB_URI": "mongodb://" + dbAddr + "/", "JWT_SECRET": strings.Repeat("s", 40)}))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer m.Close()
	started := make(chan error, 1)
	go func() { started <- m.Run(t.Context()) }()
	select {
	case err := <-started:
		t.Fatalf("Run returned before the database existed: %v", err)
	case <-time.After(2500 * time.Millisecond): // longer than one server-selection timeout
	}
	db, err := mongostore.StartEmbedded(t.TempDir(), dbAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop(context.Background())
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("Run once the database is up: %v", err)
		}
	case <-time.After(50 * time.Second):
		t.Fatal("Run did not return after the database came up")
	}
}

// TestSQLiteResidentSetting: SQLITE_MMAP_RESIDENT_MB reaches the store in
// bytes, its default bounds the map, and 0 leaves it unbounded.
func TestSQLiteResidentSetting(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int64
	}{{"", defaultSQLiteResidentMB << 20}, {"64", 64 << 20}, {"0", -1}} {
		cfg, err := LoadConfig(envOf(map[string]string{"DATA_DIR": t.TempDir(), "SQLITE_MMAP_RESIDENT_MB": c.env}))
		if err != nil {
			t.Fatal(err)
		}
		if got := sqliteOptions(cfg, store.Options{}).MapResident; got != c.want {
			t.Errorf("SQLITE_MMAP_RESIDENT_MB=%q: MapResident %d, want %d", c.env, got, c.want)
		}
	}
}

// TestSQLiteMapSetting: with SQLITE_MMAP_MB=0 the server reads its
// database without mapping the file; by default the readers map it.
func TestSQLiteMapSetting(t *testing.T) {
	for _, c := range []struct {
		env    string
		mapped bool
	}{{"", true}, {"0", false}} {
		dir := t.TempDir()
		// A database whose pages are in the file, not in its WAL (Close
		// checkpoints): SQLite maps the file when it reads a page there.
		st, err := sqlitestore.Open(t.Context(), dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		cfg, err := LoadConfig(envOf(map[string]string{"DATA_DIR": dir, "ADDR": "127.0.0.1:0", "SQLITE_MMAP_MB": c.env}))
		if err != nil {
			t.Fatal(err)
		}
		m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := m.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		// A read on a reader connection (pins of nobody: an empty page).
		resp, err := http.Get("http://" + m.Addr() + "/api/v1/pins")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		maps, err := os.ReadFile("/proc/self/maps")
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, sqlitestore.FileName) // not its -shm, which SQLite always maps
		if got := strings.Contains(string(maps), db+"\n"); got != c.mapped || resp.StatusCode != http.StatusOK {
			t.Errorf("SQLITE_MMAP_MB=%q: GET /api/v1/pins %d; file mapped = %v, want %v", c.env, resp.StatusCode, got, c.mapped)
		}
	}
}
