package mongostore_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// A database that hangs with its connections open (SIGSTOP) makes every
// store call fail as unavailable within 2 s, even under a request's 30 s
// deadline, rather than wait for that deadline; once the database
// continues, the same store works again without a restart.
func TestHungDatabaseIsUnavailableWithinTwoSeconds(t *testing.T) {
	db := storetest.StartProcess(t)
	open, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := mongostore.Open(open, db.URI, "hung", mongostore.Options{
		Options: store.Options{PasswordCost: bcrypt.MinCost},
		NoCache: true, // every call must reach the database
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	user := fixtureUser(t, s, "hung")
	group := fixtureGroup(t, s, user)
	pin := fixturePin(t, s, user, group, "title", "content")
	if err := s.PutImage(open, []store.ImageFile{{Name: "hung.png", ContentType: "image/png", Data: []byte("png")}}); err != nil {
		t.Fatal(err)
	}

	db.Stop(t)
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		// First a command on a pooled connection: nothing but a deadline
		// per command ends its wait (a failed handshake later marks the
		// server unknown, and server selection then fails within 1 s).
		{"FindUserByID", func(ctx context.Context) error { _, err := s.FindUserByID(ctx, user); return err }},
		{"Ping", s.Ping},
		{"FindPins", func(ctx context.Context) error {
			_, _, err := s.FindPins(ctx, store.PinQuery{}, bson.NilObjectID, store.Page{Limit: 10})
			return err
		}},
		{"CreateComment", func(ctx context.Context) error {
			_, _, err := s.CreateComment(ctx, pin.ID, user, "while hung")
			return err
		}},
		{"OpenImage", func(ctx context.Context) error { _, err := s.OpenImage(ctx, "hung.png"); return err }},
		{"PutImage", func(ctx context.Context) error {
			return s.PutImage(ctx, []store.ImageFile{{Name: "new.png", ContentType: "image/png", Data: make([]byte, 3<<20)}})
		}},
		{"DeletePin", func(ctx context.Context) error { return s.DeletePin(ctx, pin.ID, user) }},
	}
	for _, c := range calls {
		// A request's context: its deadline is far away.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		err := c.call(ctx)
		took := time.Since(start)
		cancel()
		t.Logf("%s: %v after %v", c.name, err != nil, took)
		if store.ErrorCode(err) != store.EUnavailable || took > 2*time.Second {
			t.Errorf("%s with the database hung: %v after %v; want unavailable within 2s", c.name, err, took)
		}
	}

	db.Continue(t)
	deadline := time.Now().Add(30 * time.Second)
	for s.Ping(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the store did not recover within 30s of the database continuing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx := context.Background()
	if _, _, err := s.CreateComment(ctx, pin.ID, user, "after"); err != nil {
		t.Fatalf("comment after recovery: %v", err)
	}
	comments, _, err := s.FindComments(ctx, pin.ID, store.Page{Limit: 10})
	if err != nil || len(comments) == 0 {
		t.Fatalf("comments after recovery: %v, %v", comments, err)
	}
	if f, err := s.OpenImage(ctx, "hung.png"); err != nil || string(f.Data) != "png" {
		t.Fatalf("image after recovery: %v", err)
	}
}

// Large images still go through on a healthy database: the chunks of one
// file travel in a single command, which the per-command bound must not
// cut short.
func TestLargeImageWithinOpTimeout(t *testing.T) {
	s := storetest.Mongo(t, mongostore.Options{OpTimeout: mongostore.DefaultOpTimeout})
	data := make([]byte, 10<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	ctx := context.Background()
	if err := s.PutImage(ctx, []store.ImageFile{{Name: "big.png", ContentType: "image/png", Data: data}}); err != nil {
		t.Fatal(err)
	}
	f, err := s.OpenImage(ctx, "big.png")
	if err != nil || len(f.Data) != len(data) {
		t.Fatalf("read back: %v", err)
	}
}
