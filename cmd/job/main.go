// Command job runs the Sparkify data warehouse: provision, load, report and
// teardown. Run "job -help" for its flags and environment variables.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sparkify/warehouse/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole job: SIGTERM and SIGINT cancel ctx, which rolls back the
// open transaction; the result is the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run(ctx, args, stdout, stderr, version)
}
