// Command ferretdb runs the embedded FerretDB (the test double for MongoDB)
// as a process of its own: the fault-injection test kills it with SIGKILL
// and starts it again on the same address and files, and storetest runs
// it built without the race detector, which would otherwise spend most of
// a MongoDB test's time inside FerretDB's own code.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"mypinterest/store/mongostore"
)

func main() {
	dir := flag.String("dir", "", "data directory")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	db, err := mongostore.StartEmbedded(*dir, *addr, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(db.URI()) // the test waits for this line
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	_ = db.Stop(context.Background())
}
