//go:build integration

package integration

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/cli"
)

// databaseExists reports whether the server behind adminURL has database name.
func databaseExists(t *testing.T, adminURL, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("connect to the admin database: %v", err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestProvisionAndTeardownPostgres runs provision and teardown against the
// postgres target: provision creates the database named in
// SPARKIFY_DATABASE_URL (a name that needs quoting), twice without harm;
// teardown refuses without SPARKIFY_TEARDOWN_CONFIRM, then drops it even
// while a session is connected, and tearing down nothing succeeds.
func TestProvisionAndTeardownPostgres(t *testing.T) {
	s := startStack(t)
	s.Env(t)

	u, err := url.Parse(s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/") + "-Prov \"q\""
	u.Path = "/" + name
	t.Setenv("SPARKIFY_DATABASE_URL", u.String())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, s.AdminURL); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	ctx := context.Background()

	// The dry run changes nothing.
	code, stdout, stderr := runJob(t, ctx, "-phase", "provision", "-dry-run")
	if code != cli.ExitOK || !strings.Contains(stdout, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()) {
		t.Fatalf("dry run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if databaseExists(t, s.AdminURL, name) {
		t.Fatal("the dry run created the database")
	}

	for i := range 2 {
		code, stdout, stderr := runJob(t, ctx, "-phase", "provision")
		if code != cli.ExitOK {
			t.Fatalf("provision %d: exit %d\nstdout:\n%s\nstderr:\n%s", i+1, code, stdout, stderr)
		}
		want := map[int]string{0: `msg="database created"`, 1: `msg="database exists"`}[i]
		if !strings.Contains(stderr, want) {
			t.Errorf("provision %d: stderr lacks %s:\n%s", i+1, want, stderr)
		}
		if strings.Contains(stdout+stderr, "sparkify:sparkify@") {
			t.Errorf("provision %d showed the password:\n%s%s", i+1, stdout, stderr)
		}
	}
	if !databaseExists(t, s.AdminURL, name) {
		t.Fatal("provision did not create the database")
	}

	// The new database is usable: load's first step would connect to it.
	held, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to the provisioned database: %v", err)
	}
	t.Cleanup(func() { held.Close(context.Background()) })

	for _, confirm := range []string{"", strings.ToLower(name)} {
		t.Setenv("SPARKIFY_TEARDOWN_CONFIRM", confirm)
		code, _, stderr := runJob(t, ctx, "-phase", "teardown")
		if code != cli.ExitUsage || !strings.Contains(stderr, "SPARKIFY_TEARDOWN_CONFIRM") {
			t.Errorf("teardown with confirm %q: exit %d, want 2 naming SPARKIFY_TEARDOWN_CONFIRM\n%s", confirm, code, stderr)
		}
		if !databaseExists(t, s.AdminURL, name) {
			t.Fatalf("teardown with confirm %q dropped the database", confirm)
		}
	}

	t.Setenv("SPARKIFY_TEARDOWN_CONFIRM", name)
	for i := range 2 { // the second tears down nothing
		code, stdout, stderr := runJob(t, ctx, "-phase", "teardown")
		if code != cli.ExitOK {
			t.Fatalf("teardown %d: exit %d\nstdout:\n%s\nstderr:\n%s", i+1, code, stdout, stderr)
		}
	}
	if databaseExists(t, s.AdminURL, name) {
		t.Fatal("teardown left the database")
	}
}
