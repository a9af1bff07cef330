package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"mypinterest/store/migrate/migratetest"
	"mypinterest/store/sqlitestore"
)

func TestCompactCommandKeepsTheWorld(t *testing.T) {
	dir, w, want := embeddedDataDir(t)
	out := &output{}
	if code := runCompact(t.Context(), nil, func(k string) string { return map[string]string{"DATA_DIR": dir}[k] }, out); code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	if !strings.Contains(out.String(), "compacted in") {
		t.Fatalf("no report of what was done: %q", out)
	}
	s, err := sqlitestore.Open(context.Background(), dir, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if got := migratetest.Snapshot(t, s, w); got != want {
		t.Fatalf("the world reads differently after compacting:\n got %s\nwant %s", got, want)
	}
}

func TestCompactCommandRefusesWhatItCannotDo(t *testing.T) {
	dir, _, _ := embeddedDataDir(t)
	s, err := sqlitestore.Open(context.Background(), dir, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"server running": {[]string{"-data-dir", dir}, "stop the server first"},
		"no database":    {[]string{"-data-dir", filepath.Join(t.TempDir(), "none")}, "nothing to compact"},
		"stray argument": {[]string{"-data-dir", dir, "now"}, "unexpected argument"},
	} {
		out := &output{}
		if code := runCompact(t.Context(), c.args, func(string) string { return "" }, out); code != exitUsage || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: exit %d, %q; want %d and %q", name, code, out, exitUsage, c.want)
		}
	}
}
