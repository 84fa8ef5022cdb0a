//go:build integration

package integration

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// runCheck runs -phase check and returns its exit code and its lines.
func runCheck(t *testing.T) (code int, lines []string, stderr string) {
	t.Helper()
	code, out, errOut := runJob(t, context.Background(), "-phase", "check")
	return code, strings.Split(strings.TrimSuffix(out, "\n"), "\n"), errOut
}

// matchLines fails unless each line matches its regular expression.
func matchLines(t *testing.T, lines []string, want []string) {
	t.Helper()
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want it to match %q", i+1, lines[i], re)
		}
	}
}

// testPhaseCheck: on a working configuration -phase check passes on both
// targets, before and after a load, and leaves nothing behind in the
// staging and report destinations; the load then runs as the check said.
func testPhaseCheck(t *testing.T, target string) {
	s := fixtureStack(t, target)
	t.Setenv("SPARKIFY_STAGING_URI", "s3://"+s.Bucket+"/staging")
	t.Setenv("SPARKIFY_REPORT_URI", "s3://"+s.Bucket+"/reports")
	want := []string{
		`^ok          database   postgres://sparkify:REDACTED@127\.0\.0\.1:\d+/test_\d+\?.* answers \(PostgreSQL 15\.`,
		`^ok          privileges user sparkify may create tables in schema public and temporary tables; no table of the job's yet \(the first load creates them\)$`,
		`^ok          song data  s3://` + s.Bucket + `/song_data lists: 6 \.json objects, the first s3://` + s.Bucket + `/song_data/A/A/A/TRAAAAW128F429D538\.json$`,
		`^ok          log data   s3://` + s.Bucket + `/log_data lists: 2 \.json objects, the first s3://` + s.Bucket + `/log_data/2018/11/2018-11-01-events\.json$`,
		`^ok          staging    s3://` + s.Bucket + `/staging is writable \(a marker object was written and removed\)$`,
		`^ok          report     .* is writable$`,
		`^ok          report URI s3://` + s.Bucket + `/reports is writable \(a marker object was written and removed\)$`,
	}
	if target != "postgres" {
		want = append(want,
			`^ok          copy       the COPY settings are well formed \(role arn:aws:iam::123456789012:role/sparkify-redshift-s3-read, region us-east-1\)$`,
			`^not checked copy role  whether the cluster has the role attached: SPARKIFY_DATABASE_URL is not a provisioned cluster.s endpoint`)
	}
	code, lines, errOut := runCheck(t)
	if code != 0 {
		t.Errorf("exit %d, want 0\n%s\n%s", code, strings.Join(lines, "\n"), errOut)
	}
	matchLines(t, lines[:len(lines)-1], want)
	if last := lines[len(lines)-1]; last != "all "+strconv.Itoa(len(want))+" checks passed" {
		t.Errorf("last line %q", last)
	}
	for _, prefix := range []string{"staging", "reports"} {
		out, err := s.S3Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 0 {
			t.Errorf("the check left %s under s3://%s/%s", aws.ToString(out.Contents[0].Key), s.Bucket, prefix)
		}
	}

	mustLoad(t)
	code, lines, errOut = runCheck(t)
	if code != 0 || !strings.Contains(lines[1], "; reads and writes the job's ") {
		t.Errorf("after a load: exit %d, want 0 and the job's tables readable\n%s\n%s", code, strings.Join(lines, "\n"), errOut)
	}
}

// TestPhaseCheckFindsBrokenConfigurations: each broken setting fails its
// check with the fix and exit 2, the others still pass.
func TestPhaseCheckFindsBrokenConfigurations(t *testing.T) {
	s := fixtureStack(t, "postgres")
	ctx := context.Background()
	admin := s.Conn(t)
	// A user of its own: PostgreSQL 15 gives CREATE on schema public to the
	// database's owner only.
	var db string
	if err := admin.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	role := "limited_" + db
	if _, err := admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN PASSWORD 'limited'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP OWNED BY "+role)
		admin.Exec(context.Background(), "DROP ROLE "+role)
	})
	u, err := url.Parse(s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "limited")
	limited := u.String()

	t.Run("user without CREATE on the schema", func(t *testing.T) {
		t.Setenv("SPARKIFY_DATABASE_URL", limited)
		code, lines, errOut := runCheck(t)
		if code != 2 {
			t.Errorf("exit %d, want 2\n%s", code, errOut)
		}
		matchLines(t, lines[:2], []string{
			`^ok          database   `,
			`^FAILED      privileges SPARKIFY_DATABASE_URL: user ` + role + ` lacks privileges the load needs: GRANT CREATE ON SCHEMA "public" TO "` + role + `" \(as the owner or a superuser\)$`,
		})
		if !strings.Contains(errOut, "1 of 6 checks failed (privileges)") {
			t.Errorf("stderr does not name the failed check:\n%s", errOut)
		}
	})
	t.Run("user who cannot read the job's tables", func(t *testing.T) {
		mustLoad(t)
		if _, err := admin.Exec(ctx, "GRANT CREATE ON SCHEMA public TO "+role); err != nil {
			t.Fatal(err)
		}
		t.Setenv("SPARKIFY_DATABASE_URL", limited)
		code, lines, _ := runCheck(t)
		if code != 2 || !regexp.MustCompile(`^FAILED      privileges SPARKIFY_DATABASE_URL: user `+role+` lacks privileges the load needs: GRANT SELECT, INSERT, UPDATE, DELETE ON "public"\."artists" TO "`+role+`"; .*GRANT SELECT, INSERT, UPDATE, DELETE ON "public"\."users" TO "`+role+`"`).MatchString(lines[1]) {
			t.Errorf("exit %d, want 2 and the GRANTs for every table\n%s", code, strings.Join(lines, "\n"))
		}
	})
	t.Run("missing buckets", func(t *testing.T) {
		t.Setenv("SPARKIFY_SONG_DATA", "s3://no-such-bucket-sparkify/song_data")
		t.Setenv("SPARKIFY_STAGING_URI", "s3://no-such-bucket-sparkify/staging")
		code, lines, _ := runCheck(t)
		if code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
		matchLines(t, lines, []string{
			`^ok          database   `,
			`^ok          privileges `,
			`^FAILED      song data  SPARKIFY_SONG_DATA: cannot read s3://no-such-bucket-sparkify/song_data: the bucket does not exist$`,
			`^ok          log data   `,
			`^FAILED      staging    SPARKIFY_STAGING_URI: cannot read s3://no-such-bucket-sparkify/staging: the bucket does not exist$`,
			`^ok          report     `,
		})
	})
	t.Run("no such database", func(t *testing.T) {
		u, _ := url.Parse(s.DatabaseURL)
		u.Path = "/no_such_database"
		t.Setenv("SPARKIFY_DATABASE_URL", u.String())
		code, lines, _ := runCheck(t)
		if code != 2 || !strings.HasPrefix(lines[0], "FAILED      database   SPARKIFY_DATABASE_URL: cannot connect to ") ||
			!strings.Contains(lines[0], `database "no_such_database" does not exist`) {
			t.Errorf("exit %d, want 2 naming the database\n%s", code, strings.Join(lines, "\n"))
		}
	})
}
