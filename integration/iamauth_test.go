//go:build integration

package integration

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sparkify/warehouse/internal/testkit/awsfake"
	"github.com/sparkify/warehouse/internal/testkit/redshiftemu"
)

// iamStack is the fixture on a Redshift emulator that accepts only the
// database credentials the fake AWS issued, with the job set to
// SPARKIFY_REDSHIFT_AUTH=iam and a DATABASE_URL without user or password.
// passwords returns the passwords the emulator accepted.
func iamStack(t *testing.T, serverless bool) (s *Stack, fake *awsfake.Server, passwords func() []string) {
	t.Helper()
	fake = awsfake.New(t)
	const name = "sparkify-emu"
	fake.Do(func(st *awsfake.State) {
		if serverless {
			st.Workgroups[name] = &awsfake.Workgroup{Name: name, Namespace: name, Status: "AVAILABLE", Port: 5439}
		} else {
			st.Clusters[name] = &awsfake.Cluster{ID: name, Status: "available", Port: 5439}
		}
	})
	var mu sync.Mutex
	var accepted []string
	srv := startEmulator(t, redshiftemu.Config{Serverless: serverless, Authenticate: func(user, password, database string) (string, string, error) {
		if err := fake.CheckDBCredentials(user, password, database); err != nil {
			return "", "", err
		}
		mu.Lock()
		accepted = append(accepted, password)
		mu.Unlock()
		return pgUser, pgPassword, nil
	}})
	s = fixtureStack(t, "redshift")
	useEmulator(t, srv)
	u, err := url.Parse(envOr("SPARKIFY_DATABASE_URL", ""))
	if err != nil {
		t.Fatal(err)
	}
	u.User = nil
	env := map[string]string{
		"SPARKIFY_DATABASE_URL":                u.String(),
		"SPARKIFY_REDSHIFT_AUTH":               "iam",
		"AWS_ENDPOINT_URL_REDSHIFT":            fake.URL,
		"AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS": fake.URL,
	}
	if serverless {
		env["SPARKIFY_WORKGROUP"] = name
	} else {
		env["SPARKIFY_CLUSTER_ID"] = name
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	return s, fake, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), accepted...)
	}
}

// TestIAMAuth: with SPARKIFY_REDSHIFT_AUTH=iam the job loads and reports
// with temporary credentials from redshift:GetClusterCredentialsWithIAM
// (provisioned) or redshift-serverless:GetCredentials (Serverless), which
// the emulator checks against those the fake AWS issued, and never shows
// them; the emulator refuses any other login; without the permission the
// job exits 2 naming the action.
func TestIAMAuth(t *testing.T) {
	for _, tt := range []struct {
		name       string
		serverless bool
		action     string // the fake's name of the call
		permission string // the IAM action
		denied     string // the error code AWS answers without it
		status     int
	}{
		{"provisioned", false, "GetClusterCredentialsWithIAM", "redshift:GetClusterCredentialsWithIAM", "AccessDenied", http.StatusForbidden},
		{"serverless", true, "GetCredentials", "redshift-serverless:GetCredentials", "AccessDeniedException", http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Run("load and report", func(t *testing.T) {
				s, fake, passwords := iamStack(t, tt.serverless)
				code, out, errOut := runJob(t, context.Background(), "-phase", "load")
				if code != 0 {
					t.Fatalf("load exited %d:\n%s\n%s", code, out, errOut)
				}
				assertTables(t, dump(t, s.DatabaseURL), want)
				rcode, rout, rerrOut := runJob(t, context.Background(), "-phase", "report")
				if rcode != 0 {
					t.Fatalf("report exited %d:\n%s\n%s", rcode, rout, rerrOut)
				}
				var calls int
				for _, c := range fake.Calls() {
					if c.Action != tt.action {
						continue
					}
					calls++
					db := strings.TrimPrefix(mustURL(t, s.DatabaseURL).Path, "/")
					if got := c.Params.Get("DbName") + str(c.Body, "dbName"); got != db {
						t.Errorf("%s asked for database %q, want %q", tt.action, got, db)
					}
				}
				if calls < 2 {
					t.Errorf("%d %s calls, want one for the load and one for the report (calls: %v)", calls, tt.action, fake.Actions())
				}
				pws := passwords()
				if len(pws) < 2 {
					t.Fatalf("the emulator accepted %d logins, want at least 2", len(pws))
				}
				for _, pw := range pws {
					for _, text := range []string{out, errOut, rout, rerrOut} {
						if strings.Contains(text, pw) {
							t.Errorf("the job's output shows a temporary database password:\n%s", text)
						}
					}
				}
			})
			t.Run("another login is refused", func(t *testing.T) {
				iamStack(t, tt.serverless)
				u := mustURL(t, envOr("SPARKIFY_DATABASE_URL", ""))
				u.User = url.UserPassword(pgUser, pgPassword) // the backend's own login
				t.Setenv("SPARKIFY_DATABASE_URL", u.String())
				t.Setenv("SPARKIFY_REDSHIFT_AUTH", "password")
				code, _, errOut := runJob(t, context.Background(), "-phase", "load")
				if code != 2 || !strings.Contains(errOut, "password authentication failed") {
					t.Errorf("load with a password the fake did not issue exited %d, want 2 (password authentication failed):\n%s", code, errOut)
				}
			})
			t.Run("without the permission", func(t *testing.T) {
				_, fake, _ := iamStack(t, tt.serverless)
				fake.FailWith(tt.action, tt.denied, "User: arn:aws:sts::123456789012:assumed-role/sparkify-job/pod is not authorized to perform: "+tt.permission, tt.status)
				code, _, errOut := runJob(t, context.Background(), "-phase", "load")
				if code != 2 {
					t.Fatalf("load exited %d, want 2:\n%s", code, errOut)
				}
				for _, want := range []string{"SPARKIFY_REDSHIFT_AUTH", "may not call " + tt.permission} {
					if !strings.Contains(errOut, want) {
						t.Errorf("stderr lacks %q:\n%s", want, errOut)
					}
				}
			})
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func str(body map[string]any, key string) string {
	v, _ := body[key].(string)
	return v
}
