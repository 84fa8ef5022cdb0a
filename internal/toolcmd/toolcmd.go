// Package toolcmd holds what the project's tool commands share (the
// emulators cmd/s3emulator and cmd/redshiftemu, cmd/datagen, cmd/bench): a
// signal-aware main, usage errors that exit 2, a repeatable comma-separated
// list flag and the address a health check dials.
package toolcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// RunFunc is a command's whole work; tests call it in-process.
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs run with a context cancelled on SIGINT or SIGTERM and exits: 0
// when it succeeds, 2 for a UsageError, 1 otherwise, printing the error
// after the command's name.
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		var ue UsageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// UsageError is a mistake in the command line or environment (exit 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

func (e UsageError) Unwrap() error { return e.Err }

// List is a flag that may be repeated and takes comma-separated values.
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

// Set adds the comma-separated values of s, ignoring blanks.
func (l *List) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// Or returns v, or def when v is empty.
func Or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// Usage marks err as a usage error.
func Usage(err error) error { return UsageError{Err: err} }

// Parse parses the command line into fset. help is true after -help (the
// usage was printed: the command should exit 0); a bad flag or an argument
// left over is a usage error.
func Parse(fset *flag.FlagSet, args []string) (help bool, err error) {
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, Usage(err)
	}
	if fset.NArg() > 0 {
		return false, Usage(fmt.Errorf("unexpected argument %q", fset.Arg(0)))
	}
	return false, nil
}

// DialAddr returns the address a health check dials to reach a server that
// listens on addr (the -addr flag): an empty or unspecified host (":9000",
// "0.0.0.0:9000", "[::]:9000") means this host, 127.0.0.1. A malformed addr
// is a usage error naming -addr.
func DialAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", Usage(fmt.Errorf("-addr %q: %w", addr, err))
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
