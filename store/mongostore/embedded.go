package mongostore

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is a FerretDB server on SQLite run inside this process, for the
// default single-machine mode and for tests.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// StartEmbedded starts FerretDB on SQLite files under dir, listening on a
// free loopback port (addr "" picks one), and returns once it accepts
// connections.
func StartEmbedded(dir, addr string, logger *slog.Logger) (*Embedded, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: embedded data dir: %w", err)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if logger == nil {
		logger = slog.Default()
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		// FerretDB logs every closed client connection at WARN; keep
		// only its errors.
		Logger: slog.New(&levelFilter{Handler: logger.Handler(), min: slog.LevelError}),
	})
	if err != nil {
		return nil, fmt.Errorf("store: embedded FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		f.Run(ctx)
	}()
	// MongoDBURI blocks until the listener is bound.
	e.uri = f.MongoDBURI()
	return e, nil
}

// URI is the mongodb:// address of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Stop shuts the server down and waits for it, at most until ctx ends.
func (e *Embedded) Stop(ctx context.Context) error {
	e.cancel()
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return fmt.Errorf("store: embedded FerretDB did not stop")
	}
}

// levelFilter drops records below min.
type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (l *levelFilter) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.Handler.Enabled(ctx, lv)
}

func (l *levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return &levelFilter{Handler: l.Handler.WithAttrs(a), min: l.min}
}

func (l *levelFilter) WithGroup(n string) slog.Handler {
	return &levelFilter{Handler: l.Handler.WithGroup(n), min: l.min}
}
