// Command redshiftemu serves a Redshift-compatible endpoint for tests: a
// PostgreSQL wire-protocol proxy in front of a real Postgres server that
// greets and answers as Amazon Redshift does and runs Redshift's
// COPY ... FROM 's3://...' itself against an S3 emulator. See package
// github.com/sparkify/warehouse/internal/testkit/redshiftemu for what it
// emulates and what it cannot.
//
// Usage:
//
//	redshiftemu -backend HOST:PORT -s3-endpoint http://HOST:PORT [-addr :5439]
//	            [-s3-region us-east-1] [-serverless] [-allowed-role ARN]...
//	            [-tls-cert FILE -tls-key FILE | -tls-ca-out FILE] [-quiet]
//	redshiftemu -healthcheck [-addr :5439]
//
// Every flag can also be set with an environment variable:
// REDSHIFTEMU_ADDR, REDSHIFTEMU_BACKEND, REDSHIFTEMU_S3_ENDPOINT,
// REDSHIFTEMU_S3_REGION, REDSHIFTEMU_SERVERLESS (true/false),
// REDSHIFTEMU_ALLOWED_ROLES (comma-separated), REDSHIFTEMU_TLS_CERT,
// REDSHIFTEMU_TLS_KEY, REDSHIFTEMU_TLS_CA_OUT. Without -tls-cert/-tls-key
// the server makes a certificate for localhost and 127.0.0.1 signed by a
// fresh CA and writes the CA's PEM to -tls-ca-out when given (clients use
// it with sslmode=verify-full). -healthcheck dials -addr and exits 0 when
// it accepts a connection: images FROM scratch have no other probe.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/sparkify/warehouse/internal/testkit/redshiftemu"
	"github.com/sparkify/warehouse/internal/toolcmd"
)

func main() { toolcmd.Main("redshiftemu", run) }

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("redshiftemu", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", toolcmd.Or(getenv("REDSHIFTEMU_ADDR"), ":5439"), "address to listen on (env REDSHIFTEMU_ADDR)")
	backend := fset.String("backend", getenv("REDSHIFTEMU_BACKEND"), "host:port of the Postgres server (env REDSHIFTEMU_BACKEND)")
	s3Endpoint := fset.String("s3-endpoint", getenv("REDSHIFTEMU_S3_ENDPOINT"), "URL of the S3 emulator, path-style (env REDSHIFTEMU_S3_ENDPOINT)")
	s3Region := fset.String("s3-region", toolcmd.Or(getenv("REDSHIFTEMU_S3_REGION"), "us-east-1"), "region for the S3 client (env REDSHIFTEMU_S3_REGION)")
	serverlessDefault, _ := strconv.ParseBool(getenv("REDSHIFTEMU_SERVERLESS"))
	serverless := fset.Bool("serverless", serverlessDefault, "emulate Redshift Serverless: sys_* views only, no stl_* (env REDSHIFTEMU_SERVERLESS)")
	var roles toolcmd.List
	_ = roles.Set(getenv("REDSHIFTEMU_ALLOWED_ROLES"))
	fset.Var(&roles, "allowed-role", "IAM role ARN that COPY may use; repeatable or comma-separated; none: any (env REDSHIFTEMU_ALLOWED_ROLES)")
	certFile := fset.String("tls-cert", getenv("REDSHIFTEMU_TLS_CERT"), "TLS certificate PEM file (env REDSHIFTEMU_TLS_CERT)")
	keyFile := fset.String("tls-key", getenv("REDSHIFTEMU_TLS_KEY"), "TLS key PEM file (env REDSHIFTEMU_TLS_KEY)")
	caOut := fset.String("tls-ca-out", getenv("REDSHIFTEMU_TLS_CA_OUT"), "without -tls-cert: write the generated CA certificate here (env REDSHIFTEMU_TLS_CA_OUT)")
	quiet := fset.Bool("quiet", false, "log warnings only")
	health := fset.Bool("healthcheck", false, "check that the server at -addr accepts connections, then exit 0 (healthy) or 1")
	if help, err := toolcmd.Parse(fset, args); help || err != nil {
		return err
	}
	if *health {
		return healthcheck(ctx, *addr)
	}
	if *backend == "" {
		return toolcmd.Usage(errors.New("-backend (host:port of the Postgres server) is required"))
	}
	if (*certFile == "") != (*keyFile == "") {
		return toolcmd.Usage(errors.New("-tls-cert and -tls-key go together"))
	}
	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	var tlsCfg *tls.Config
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	} else {
		cfg, caPEM, err := redshiftemu.NewTestTLS("localhost", "127.0.0.1", "::1")
		if err != nil {
			return fmt.Errorf("generate TLS certificate: %w", err)
		}
		tlsCfg = cfg
		if *caOut != "" {
			if err := os.WriteFile(*caOut, caPEM, 0o644); err != nil {
				return fmt.Errorf("write CA certificate: %w", err)
			}
		}
	}
	srv, err := redshiftemu.Start(ctx, *addr, redshiftemu.Config{
		Backend:      *backend,
		S3Endpoint:   *s3Endpoint,
		S3Region:     *s3Region,
		Serverless:   *serverless,
		TLS:          tlsCfg,
		AllowedRoles: roles,
		Log:          log,
	})
	if err != nil {
		return err
	}
	log.Info("listening", "addr", srv.Addr(), "backend", *backend, "s3", *s3Endpoint, "serverless", *serverless)
	fmt.Fprintf(stdout, "redshiftemu listening on %s\n", srv.Addr())
	<-ctx.Done()
	err = srv.Close()
	log.Info("stopped")
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// healthcheck dials addr (a wildcard host means this host) and reports
// whether it accepts.
func healthcheck(ctx context.Context, addr string) error {
	target, err := toolcmd.DialAddr(addr)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	c, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return err
	}
	return c.Close()
}
