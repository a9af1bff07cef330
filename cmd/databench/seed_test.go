package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/handlers"
	"mypinterest/media"
	"mypinterest/store"
	"mypinterest/store/sqlitestore"
)

// storeParams is the data set of the tests that go through a real store:
// modernc's SQLite is slow under the race detector, so it is smaller than
// tinyParams and seeded once per test binary (seedTemplate), then copied.
var storeParams = Params{Pins: 400, Users: 40, Seed: 1}

var template struct {
	once sync.Once
	dir  string
	out  string
	err  error
}

// seedTemplate seeds storeParams once into a directory TestMain removes.
func seedTemplate() (string, error) {
	template.once.Do(func() {
		if template.dir, template.err = os.MkdirTemp("", "databench-template-*"); template.err != nil {
			return
		}
		var out bytes.Buffer
		template.err = seed(context.Background(), seedOptions{dir: template.dir, params: storeParams, batch: 150}, &out)
		template.out = out.String()
	})
	return template.dir, template.err
}

// seededDir copies the seeded template into a test's own directory.
func seededDir(t *testing.T) (string, *State) {
	t.Helper()
	src, err := seedTemplate()
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, template.out)
	}
	if !strings.Contains(template.out, "records/s") {
		t.Errorf("no seeding rate printed:\n%s", template.out)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	st, err := loadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func mustID(t *testing.T, hex string) bson.ObjectID {
	t.Helper()
	id, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSeedWritesAStoreTheAppCanServe(t *testing.T) {
	ctx := context.Background()
	dir, st := seededDir(t)

	// What was generated, record for record, to compare the store with.
	mem := generate(t, storeParams)

	s, err := sqlitestore.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for _, k := range store.Kinds {
		n, err := s.Count(ctx, k)
		if err != nil || n != st.Records[k] || (k != store.KindImages && n != mem.g.tally.records[k]) {
			t.Errorf("%s: store holds %d (%v), state says %d, generated %d", k, n, err, st.Records[k], mem.g.tally.records[k])
		}
	}
	if _, err := s.Authenticate(ctx, st.Users[3].Email, st.Password); err != nil {
		t.Fatalf("a seeded user cannot log in: %v", err)
	}

	// Counts the store derives agree with the generated records.
	user := mustID(t, st.Users[0].ID)
	prof, err := s.FindProfile(ctx, user, bson.NilObjectID)
	if err != nil {
		t.Fatal(err)
	}
	followers := 0
	for _, f := range mem.all.Follows {
		if f.FolloweeID == user {
			followers++
		}
	}
	if prof.PinCount != int64(st.Users[0].Pins) || prof.FollowerCount != int64(followers) ||
		prof.FollowingCount != int64(mem.g.tally.followeesOf[0]) {
		t.Errorf("profile of user 0: %d pins, %d followers, %d following; generated %d, %d, %d",
			prof.PinCount, prof.FollowerCount, prof.FollowingCount, st.Users[0].Pins, followers, mem.g.tally.followeesOf[0])
	}
	pin, err := s.FindPin(ctx, mustID(t, st.Commented[0]), bson.NilObjectID)
	if err != nil {
		t.Fatal(err)
	}
	comments := 0
	for _, c := range mem.all.Comments {
		if c.PinID == pin.ID {
			comments++
		}
	}
	if pin.Counts.Comments != int64(comments) || comments == 0 {
		t.Errorf("most commented pin shows %d comments, generated %d", pin.Counts.Comments, comments)
	}

	// The shared images are real: their variants are stored.
	if _, err := s.OpenImage(ctx, media.ThumbName(pin.Image)); err != nil {
		t.Errorf("pin thumbnail %s: %v", media.ThumbName(pin.Image), err)
	}

	// Search finds exactly the pins the state counted for a rare word.
	rare := st.Rare[0]
	found, _, err := s.FindPins(ctx, store.PinQuery{Query: rare.Word}, bson.NilObjectID, store.Page{Limit: store.MaxLimit})
	if err != nil || len(found) != rare.Pins {
		t.Errorf("search %q found %d pins (%v), the state says %d", rare.Word, len(found), err, rare.Pins)
	}

	// Seeding the same directory again is refused rather than mixed.
	err = seed(ctx, seedOptions{dir: dir, params: storeParams, batch: 150}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("seeding a seeded store: %v", err)
	}
}

// startApp serves dir with the real handlers on a free port.
func startApp(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, dir, store.Options{CursorKey: []byte("databench smoke test cursor key!")})
	if err != nil {
		t.Fatal(err)
	}
	app, err := handlers.New(handlers.Config{JWTSecret: []byte(strings.Repeat("k", 32))}, handlers.Deps{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	t.Cleanup(func() {
		_ = app.ShutdownWithTimeout(5 * time.Second)
		<-served
		_ = s.Close(ctx)
	})
	return "http://" + ln.Addr().String()
}

// Every scenario runs against the real app without an error.
func TestRunEveryScenario(t *testing.T) {
	dir, _ := seededDir(t)
	url := startApp(t, dir)
	var reads []string
	for _, name := range scenarioNames() {
		if name != "pin-create" {
			reads = append(reads, name)
		}
	}
	// Uploads go one at a time: under the race detector one takes
	// seconds, and the app refuses (503) those that wait longer than 2 s
	// for its image pool.
	for _, run := range []struct{ only, conns string }{{strings.Join(reads, ","), "4"}, {"pin-create", "1"}} {
		var out, errOut bytes.Buffer
		save := filepath.Join(t.TempDir(), "results.json")
		args := []string{"-url", url, "-data", dir, "-c", run.conns, "-d", "100ms", "-warmup", "0", "-save", save,
			"-sessions", "30", "-cursors", "100", "-only", run.only}
		if code := runCommand(context.Background(), args, &out, &errOut); code != 0 {
			t.Fatalf("run exit %d: %s\n%s", code, errOut.String(), out.String())
		}
		base, err := loadBaseline(save)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range strings.Split(run.only, ",") {
			if base[name].rps <= 0 {
				t.Errorf("scenario %s: no successful request", name)
			}
			if !strings.Contains(out.String(), "| "+name+" | ") {
				t.Errorf("scenario %s missing from the table", name)
			}
		}
		if strings.Contains(out.String(), "first error") {
			t.Errorf("errors while measuring:\n%s", out.String())
		}
	}
}
