// Command databench measures MyPinterest at data scale.
//
//	databench seed -data DIR -pins 1000000 [-users 1000] [-seed 1] [-mongo URI]
//	databench run -url http://127.0.0.1:8080 -data DIR [-c 16] [-d 10s] [-only …] [-target]
//	databench coldstart -bin /tmp/mp -data DIR
//
// seed writes a deterministic synthetic data set straight into the store
// (store.Transfer), a million pins in minutes, and leaves the ids the
// benchmark needs in DIR/databench.json. run measures every read and write
// path over HTTP against a server started on DIR, defeating caches by
// cycling through thousands of distinct ids and deep cursors. coldstart
// measures start-up, memory and a burst of first requests after a restart.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs a subcommand and returns the exit status: 0 on success, 1
// on a failure, 2 on bad usage or (run -target) a missed target.
func dispatch(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(errOut, "usage: databench seed|run|coldstart [flags] (-h for each)")
		return 2
	}
	switch args[0] {
	case "seed":
		return seedCommand(ctx, args[1:], out, errOut)
	case "run":
		return runCommand(ctx, args[1:], out, errOut)
	case "coldstart":
		return coldstartCommand(ctx, args[1:], out, errOut)
	}
	fmt.Fprintf(errOut, "databench: unknown command %q (seed, run or coldstart)\n", args[0])
	return 2
}
