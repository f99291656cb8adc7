// Command ferretdb runs FerretDB with its SQLite backend as a MongoDB-wire server for Tandem.
// The upstream command panics when built with `go install` (it expects a generated version file),
// so the project embeds the library package instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "data", "directory for the SQLite database files")
	flag.Parse()

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot create data directory %s: %v\n", *dataDir, err)
		os.Exit(1)
	}

	// FerretDB logs whole wire messages at WARN for commands it lacks (endSessions on every close);
	// errors are what an operator needs.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		// busy_timeout: a writer that finds the database locked waits up to 10 s for it (SQLite
		// retries inside) before FerretDB answers SQLITE_BUSY; stated here rather than left to
		// FerretDB's default (the same 10 s in 1.24), since concurrent writers depend on it.
		// BEGIN IMMEDIATE: a writer takes the lock when its transaction begins, so it waits as
		// above instead of failing at once when its read transaction cannot upgrade.
		// synchronous=NORMAL is SQLite's advice for WAL: a commit survives a crash of this
		// process; only a power cut can lose the last ones.
		SQLiteURL: "file:" + *dataDir + "/?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=synchronous(normal)",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb: listening on %s (data in %s)\n", *listen, *dataDir)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}
