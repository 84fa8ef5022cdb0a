// Command job runs the Sparkify data warehouse: provision, load, report and
// teardown. Run "job -help" for its flags and environment variables.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sparkify/warehouse/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, version)
	stop()
	os.Exit(code)
}
