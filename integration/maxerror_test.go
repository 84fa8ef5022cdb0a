//go:build integration

package integration

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/testkit/redshiftemu"
)

// startEmulator starts a Redshift emulator of the test's own, in front of
// the shared Postgres and S3 emulator, with cfg's switches; the shared
// backend, S3 and TLS settings are filled in.
func startEmulator(t *testing.T, cfg redshiftemu.Config) *redshiftemu.Server {
	t.Helper()
	shared.once.Do(func() { shared.err = startContainers() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Backend, cfg.S3Endpoint, cfg.S3Region, cfg.TLS = shared.pgHostPort, shared.s3Endpoint, s3Region, shared.rsTLS
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	srv, err := redshiftemu.Start(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("start the Redshift emulator: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// useEmulator points the job (after UseTarget) at srv instead of the
// shared endpoint.
func useEmulator(t *testing.T, srv *redshiftemu.Server) {
	t.Helper()
	u, err := url.Parse(envOr("SPARKIFY_DATABASE_URL", ""))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = srv.Addr()
	t.Setenv("SPARKIFY_DATABASE_URL", u.String())
}

// TestLoadMaxErrorsEitherBoundary: the job keeps SPARKIFY_MAX_ERRORS itself,
// so a load skips the same records, or fails the same way with nothing
// committed, whichever way Redshift counts MAXERROR's boundary: the
// COPY fails when its rejected records reach MAXERROR (the emulator's
// default reading) or only when they exceed it.
func TestLoadMaxErrorsEitherBoundary(t *testing.T) {
	for _, reading := range []struct {
		name    string
		exceeds bool
	}{{"reaches", false}, {"exceeds", true}} {
		t.Run(reading.name, func(t *testing.T) {
			for _, serverless := range []bool{false, true} {
				name := "provisioned"
				if serverless {
					name = "serverless"
				}
				t.Run(name, func(t *testing.T) {
					srv := startEmulator(t, redshiftemu.Config{Serverless: serverless, MaxErrorExceeds: reading.exceeds})
					s := fixtureStack(t, "redshift")
					useEmulator(t, srv)
					t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
					mustLoad(t)
					before := dump(t, s.DatabaseURL)

					// Day 2 holds the fixture's one malformed record.
					t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
					t.Setenv("SPARKIFY_MAX_ERRORS", "0")
					code, _, errOut := runJob(t, context.Background(), "-phase", "load")
					if code != 1 {
						t.Fatalf("load with SPARKIFY_MAX_ERRORS=0 exited %d, want 1:\n%s", code, errOut)
					}
					for _, want := range []string{"more than 0 malformed records (SPARKIFY_MAX_ERRORS=0)", malformedRecord(s, "redshift")} {
						if !strings.Contains(errOut, want) {
							t.Errorf("stderr lacks %q:\n%s", want, errOut)
						}
					}
					assertTables(t, dump(t, s.DatabaseURL), before)

					t.Setenv("SPARKIFY_MAX_ERRORS", "1")
					code, out, errOut := runJob(t, context.Background(), "-phase", "load")
					if code != 0 || !strings.Contains(out, "  malformed records skipped: 1\n") {
						t.Fatalf("load with SPARKIFY_MAX_ERRORS=1 exited %d, want 0 skipping 1 record:\n%s\n%s", code, out, errOut)
					}
					assertTables(t, dump(t, s.DatabaseURL), want)
				})
			}
		})
	}
}
