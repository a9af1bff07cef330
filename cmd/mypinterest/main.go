// Command mypinterest serves MyPinterest: pages, the JSON API, images and
// live events on one port. With no MONGODB_URI it keeps everything in SQLite
// under DATA_DIR and fans events out in-process, so `go run ./cmd/mypinterest`
// is the whole product on one machine.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	// `mypinterest healthcheck` is the container HEALTHCHECK: the runtime
	// image has no shell or curl.
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck())
	}
	if len(os.Args) > 1 && os.Args[1] == "compact" {
		os.Exit(compactCommand(os.Args[2:])) // compact.go
	}
	if len(os.Args) > 1 && isMoveCommand(os.Args[1]) {
		os.Exit(moveHouse(os.Args[1], os.Args[2:])) // migrate.go
	}
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mypinterest: invalid configuration:", err)
		os.Exit(2)
	}
	tuneGC(os.Getenv, cfg.CacheMB)
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(cfg, logger)
	if err := m.Run(ctx); err != nil {
		logger.Error("start-up failed", "err", err)
		m.Close()
		os.Exit(1)
	}
	<-ctx.Done()
	stop()
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	if err := m.Close(); err != nil {
		logger.Error("shutdown", "err", err)
		os.Exit(1)
	}
}

// healthcheck asks the local server's /healthz and returns the exit code.
func healthcheck() int {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if addr[0] == ':' {
		addr = "127.0.0.1" + addr
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}
