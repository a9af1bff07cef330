// Command mongod stands in for the mongo:7 image in the Docker deployment
// test (e2e/swarm): no image can be pulled there, so the test builds one
// under that name from this program. It is installed twice in the image:
//
//   - as mongod it serves the MongoDB wire protocol with FerretDB on SQLite
//     files under --dbpath (the volume the stack mounts at /data/db), so
//     the app's mongodb://mongo:27017 works unchanged;
//   - as mongosh it answers the stack's health check
//     (`mongosh --quiet --eval "quit(db.adminCommand('ping').ok === 1 ? 0 : 1)"`)
//     by sending that ping itself: it runs no JavaScript.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func main() {
	if filepath.Base(os.Args[0]) == "mongosh" {
		os.Exit(ping(os.Args[1:]))
	}
	os.Exit(serve(os.Args[1:]))
}

// serve accepts the mongod flags the Compose files pass.
func serve(args []string) int {
	fs := flag.NewFlagSet("mongod", flag.ContinueOnError)
	bindAll := fs.Bool("bind_ip_all", false, "listen on every address")
	bindIP := fs.String("bind_ip", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 27017, "port to listen on")
	dbPath := fs.String("dbpath", "/data/db", "directory of the data files")
	quiet := fs.Bool("quiet", false, "log errors only")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	host := *bindIP
	if *bindAll {
		host = "0.0.0.0"
	}
	// FerretDB logs every closed client connection at WARN.
	level := slog.LevelWarn
	if *quiet {
		level = slog.LevelError
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := os.MkdirAll(*dbPath, 0o750); err != nil {
		logger.Error("data directory", "err", err)
		return 1
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: net.JoinHostPort(host, strconv.Itoa(*port))},
		Handler:   "sqlite",
		SQLiteURL: "file:" + strings.TrimSuffix(*dbPath, "/") + "/",
		Logger:    logger,
	})
	if err != nil {
		logger.Error("start", "err", err)
		return 1
	}
	// `docker stop` sends SIGTERM; FerretDB closes its SQLite files when
	// the context ends.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "mongod stand-in (FerretDB on SQLite in %s) listening on %s:%d\n", *dbPath, host, *port)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		logger.Error("run", "err", err)
		return 1
	}
	return 0
}

// ping is the health probe: exit 0 when the local server answers ping.
func ping(args []string) int {
	fs := flag.NewFlagSet("mongosh", flag.ContinueOnError)
	fs.Bool("quiet", false, "ignored")
	eval := fs.String("eval", "", "the expression; only the ping health check is understood")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !strings.Contains(*eval, "ping") {
		fmt.Fprintln(os.Stderr, "mongosh stand-in: only the ping health check is supported")
		return 2
	}
	uri := "mongodb://127.0.0.1:27017/"
	if fs.NArg() > 0 {
		uri = fs.Arg(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetDirect(true).SetServerSelectionTimeout(3 * time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mongosh stand-in:", err)
		return 1
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	var res struct {
		OK float64 `bson:"ok"`
	}
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Decode(&res); err != nil {
		fmt.Fprintln(os.Stderr, "mongosh stand-in:", err)
		return 1
	}
	if res.OK != 1 {
		return 1
	}
	return 0
}
