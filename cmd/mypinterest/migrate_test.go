package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/migrate/migratetest"
	"mypinterest/store/mongostore"
	"mypinterest/store/sqlitestore"
	"mypinterest/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var fastOpts = store.Options{PasswordCost: bcrypt.MinCost}

// output collects what a command writes; FerretDB may log from its own
// goroutines. onWrite, when set, sees everything written so far.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	onWrite func(all string)
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if o.onWrite != nil {
		o.onWrite(o.buf.String())
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// run runs a moving command as main would, with env as the environment.
func run(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string) {
	t.Helper()
	out := &output{}
	return runOut(ctx, env, out, args...), out.String()
}

func runOut(ctx context.Context, env map[string]string, out *output, args ...string) int {
	return runMove(ctx, args[0], args[1:], func(k string) string { return env[k] }, out)
}

// embeddedDataDir is a DATA_DIR of the current embedded store holding a
// world, and what the world reads like.
func embeddedDataDir(t *testing.T) (string, migratetest.World, string) {
	dir := t.TempDir()
	s, err := sqlitestore.Open(context.Background(), dir, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	w := migratetest.Build(t, s, 2)
	return dir, w, migratetest.Snapshot(t, s, w)
}

// openMongo opens database db on the test server, dropped at the end.
func openMongo(t *testing.T, db string) *mongostore.Store {
	t.Helper()
	s, err := mongostore.Open(context.Background(), storetest.URI(t), db, mongostore.Options{Options: fastOpts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Database().Drop(context.Background())
		_ = s.Close(context.Background())
	})
	return s
}

func TestMigrateCopiesDataDirIntoMongo(t *testing.T) {
	ctx := context.Background()
	dir, w, want := embeddedDataDir(t)
	db := storetest.DBName()
	target := openMongo(t, db)
	env := map[string]string{"DATA_DIR": dir, "MONGODB_URI": storetest.URI(t), "MONGODB_DB": db}

	code, out := run(t, ctx, env, "migrate")
	if code != exitOK || !strings.Contains(out, "Verified: ") || !strings.Contains(out, "MONGODB_DB="+db) {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	t.Logf("migrate said:\n%s", out)
	for _, k := range store.Kinds {
		if !strings.Contains(out, "  "+string(k)+" ") {
			t.Errorf("no progress line for %s", k)
		}
	}
	migratetest.WantCounts(t, target, w)
	if got := migratetest.Snapshot(t, target, w); got != want {
		t.Fatalf("MongoDB reads differently from DATA_DIR: %s", migratetest.Diff(want, got))
	}

	// Into a database that is not empty: refused, unless resuming.
	code, out = run(t, ctx, env, "migrate")
	if code != exitFail || !strings.Contains(out, "--resume") {
		t.Fatalf("migrate into a non-empty database: exit %d\n%s", code, out)
	}
	code, out = run(t, ctx, map[string]string{"DATA_DIR": dir}, "migrate", "--to", storetest.URI(t), "--db", db, "--resume")
	if code != exitOK {
		t.Fatalf("migrate --resume: exit %d\n%s", code, out)
	}
	migratetest.WantCounts(t, target, w)
}

func TestMigrateUsage(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := embeddedDataDir(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		says string
	}{
		{"no target", map[string]string{"DATA_DIR": dir}, []string{"migrate"}, exitUsage, "--to"},
		{"bad flag", nil, []string{"migrate", "--nope"}, exitUsage, "flag provided but not defined"},
		{"stray argument", nil, []string{"migrate", "--to", "mongodb://x/", "extra"}, exitUsage, "unexpected argument"},
		{"not a URI", nil, []string{"migrate", "--to", "http://x/"}, exitUsage, "--to"},
		{"URI and --db disagree", nil, []string{"migrate", "--to", "mongodb://127.0.0.1:1/a", "--db", "b"}, exitUsage, `"a" but --db says "b"`},
		{"no embedded store", map[string]string{"DATA_DIR": t.TempDir()}, []string{"migrate", "--to", "mongodb://127.0.0.1:1/"}, exitUsage, "nothing to copy"},
		{"nothing to import", map[string]string{"DATA_DIR": t.TempDir()}, []string{"import-legacy"}, exitUsage, "nothing to import"},
		{"help", nil, []string{"import-legacy", "-h"}, exitOK, "-data-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := run(t, ctx, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.says) {
				t.Fatalf("exit %d, want %d saying %q:\n%s", code, tc.code, tc.says, out)
			}
		})
	}
}

func TestMigrateTargetDB(t *testing.T) {
	for _, tc := range []struct{ uri, flag, env, want string }{
		{"mongodb://h:27017/", "", "envdb", "envdb"},
		{"mongodb://h:27017", "flagdb", "envdb", "flagdb"},
		{"mongodb://u:p@h1:27017,h2:27017/uridb?replicaSet=rs", "", "envdb", "uridb"},
		{"mongodb://h/uridb", "uridb", "envdb", "uridb"},
	} {
		got, err := targetDB(tc.uri, tc.flag, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("targetDB(%q, %q, %q) = %q, %v; want %q", tc.uri, tc.flag, tc.env, got, err, tc.want)
		}
	}
}

func TestMigrateRedactsURI(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://u:secret@h:27017/db?x=1": "mongodb://u:xxxxx@h:27017/db?x=1",
		"mongodb+srv://u:s@cluster.example": "mongodb+srv://u:xxxxx@cluster.example",
		"mongodb://h:27017/db":              "mongodb://h:27017/db",
		"mongodb://u@h/db":                  "mongodb://u@h/db",
	} {
		if got := redactURI(in); got != want {
			t.Errorf("redactURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMigrateThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// legacyWorld writes a DATA_DIR as the FerretDB-era version left it: a
// world in DATA_DIR/db, plus an account whose deletion a crash cut short
// (marked, nothing removed yet). It returns how the world read there.
func legacyWorld(t *testing.T) (string, migratetest.World, string) {
	ctx := context.Background()
	dir := t.TempDir()
	emb, err := mongostore.StartEmbedded(filepath.Join(dir, "db"), "", quietLogger(os.Stderr))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Stop(context.Background())
	s, err := mongostore.Open(ctx, emb.URI(), "mypinterest", mongostore.Options{Options: fastOpts})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	w := migratetest.Build(t, s, 2)
	// Read before erin exists: her records are gone once the import has
	// finished her deletion.
	want := migratetest.Snapshot(t, s, w)
	erin, err := s.CreateUser(ctx, store.NewUser{Email: "erin@example.com", Nickname: "erin", Password: migratetest.Password})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateGroup(ctx, erin.ID, store.GroupInput{Title: "eels"}, store.ImageRef{Key: "img0", Ext: "jpg", Width: 1, Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePin(ctx, erin.ID, store.PinInput{Title: "Eel", GroupID: g.ID}, store.ImageRef{Key: "img0", Ext: "jpg", Width: 1, Height: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Database().Collection("users").UpdateOne(ctx, bson.D{{Key: "_id", Value: erin.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "deleting", Value: true}}}}); err != nil {
		t.Fatal(err)
	}
	return dir, w, want
}

func TestMigrateImportLegacyDataDir(t *testing.T) {
	ctx := context.Background()
	dir, w, want := legacyWorld(t)

	err := checkLegacyDataDir(dir)
	var legacy *legacyDataError
	if !errors.As(err, &legacy) || !strings.Contains(err.Error(), "run `mypinterest import-legacy` once") {
		t.Fatalf("checkLegacyDataDir before the import: %v", err)
	}
	t.Logf("start-up would say: %v", err)

	code, out := run(t, ctx, map[string]string{"DATA_DIR": dir}, "import-legacy")
	if code != exitOK || !strings.Contains(out, "Verified: ") {
		t.Fatalf("import-legacy: exit %d\n%s", code, out)
	}
	t.Logf("import-legacy said:\n%s", out)
	if err := checkLegacyDataDir(dir); err != nil {
		t.Fatalf("still detected after the import: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "db.imported", "mypinterest.sqlite")); err != nil {
		t.Fatalf("old files not kept: %v", err)
	}
	wantImported(t, dir, w, want)

	code, out = run(t, ctx, map[string]string{"DATA_DIR": dir}, "import-legacy")
	if code != exitOK || !strings.Contains(out, "Nothing to import") {
		t.Fatalf("second import-legacy: exit %d\n%s", code, out)
	}
}

// wantImported fails unless the SQLite store in dir holds w as it read.
func wantImported(t *testing.T, dir string, w migratetest.World, want string) {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), dir, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	migratetest.WantCounts(t, s, w)
	if got := migratetest.Snapshot(t, s, w); got != want {
		t.Fatalf("SQLite reads differently from FerretDB: %s", migratetest.Diff(want, got))
	}
}

func TestMigrateImportLegacyResumes(t *testing.T) {
	dir, w, want := legacyWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Stop once the comments are copied, before the likes.
	out := &output{onWrite: func(all string) {
		if strings.Contains(all, "  comments ") {
			cancel()
		}
	}}
	code := runOut(ctx, map[string]string{"DATA_DIR": dir}, out, "import-legacy")
	if code != exitFail || !strings.Contains(out.String(), "interrupted") {
		t.Fatalf("interrupted import: exit %d\n%s", code, out)
	}
	if legacy, err := legacyDataDir(dir); err != nil || !legacy {
		t.Fatalf("legacy data no longer detected after an interrupted import: %v %v", legacy, err)
	}
	code, got := run(t, context.Background(), map[string]string{"DATA_DIR": dir}, "import-legacy")
	if code != exitOK {
		t.Fatalf("resumed import: exit %d\n%s", code, got)
	}
	wantImported(t, dir, w, want)
}

func TestMigrateImportLegacyRefusesAFilledStore(t *testing.T) {
	dir, _, _ := legacyWorld(t)
	s, err := sqlitestore.Open(context.Background(), dir, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(context.Background(), store.NewUser{Email: "zed@example.com", Nickname: "zed", Password: migratetest.Password}); err != nil {
		t.Fatal(err)
	}
	s.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, out := run(t, ctx, map[string]string{"DATA_DIR": dir}, "import-legacy")
	if code != exitFail || !strings.Contains(out, "fills an empty store only") {
		t.Fatalf("import into a filled store: exit %d\n%s", code, out)
	}
	if legacy, _ := legacyDataDir(dir); !legacy {
		t.Fatal("the old files were touched")
	}
}
