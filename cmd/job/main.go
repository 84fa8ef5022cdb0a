// Command job runs the Sparkify data warehouse: provision, load, report and
// teardown. Run "job -help" for its flags and environment variables.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sparkify/warehouse/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version string

func main() {
	ctx, stop := signalContext(os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole job: SIGTERM and SIGINT cancel ctx, which rolls back the
// open transaction; the result is the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Run(ctx, args, stdout, stderr, version)
}

// signalContext returns a context cancelled by the first SIGTERM or SIGINT
// (Kubernetes stops pods with SIGTERM): the job then rolls back and exits.
// A second signal exits at once, with cli.ExitInterrupted: the database discards the
// open transaction when the connection drops.
func signalContext(stderr io.Writer, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		fmt.Fprintf(stderr, "job: %v: stopping; nothing from this run will be committed (a second signal exits at once)\n", s)
		cancel()
		if s, ok = <-sigs; ok {
			fmt.Fprintf(stderr, "job: %v again: exiting now\n", s)
			exit(cli.ExitInterrupted)
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(sigs)
		cancel()
	}
}
