package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// fixtureURI is the file:// URI of a folder of the integration fixture.
func fixtureURI(t *testing.T, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", "integration", "testdata", "fixture", dir))
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + abs
}

// TestCheck runs -phase check without a database server: each line says
// what was checked, and the exit code is the one the load would have, a
// setting to fix (2) before a peer that is down (75).
func TestCheck(t *testing.T) {
	report := t.TempDir()
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := func(extra map[string]string) map[string]string {
		env := map[string]string{
			"SPARKIFY_SONG_DATA":  fixtureURI(t, "song_data"),
			"SPARKIFY_LOG_DATA":   fixtureURI(t, "log_data"),
			"SPARKIFY_REPORT_DIR": filepath.Join(report, "new"),
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	refusing := "postgres://u:pw-XYZZY@127.0.0.1:1/db?connect_timeout=5"
	tests := []struct {
		name  string
		env   map[string]string
		code  int
		lines []string // regular expressions, one per printed line, in order
	}{
		{"no database URL", good(nil), 2, []string{
			`^FAILED      database   SPARKIFY_DATABASE_URL: is required: set it to postgres://user:password@host:port/dbname$`,
			`^not checked privileges no database$`,
			`^ok          song data  file://.*/fixture/song_data lists: 6 \.json files, the first file://.*/song_data/A/A/A/TRAAAAW128F429D538\.json$`,
			`^ok          log data   file://.*/fixture/log_data lists: 2 \.json files, the first file://.*/2018-11-01-events\.json$`,
			`^ok          staging    not used on the postgres target$`,
			`^ok          report     .*/new is writable \(it does not exist yet; the report creates it in .*\)$`,
		}},
		{"database refusing connections", good(map[string]string{"SPARKIFY_DATABASE_URL": refusing}), 75, []string{
			`^FAILED      database   cannot connect to postgres://u:REDACTED@127\.0\.0\.1:1/db\?connect_timeout=5 \(it may be down or busy; run again\): .*connection refused.* \(a peer is down, stalled or busy: run the check again later\)$`,
			`^not checked privileges no connection$`,
			`^ok          song data  `,
			`^ok          log data   `,
			`^ok          staging    `,
			`^ok          report     `,
		}},
		{"a missing source folder comes before a peer that is down", good(map[string]string{"SPARKIFY_DATABASE_URL": refusing, "SPARKIFY_LOG_DATA": "file:///nonexistent/log_data"}), 2, []string{
			`^FAILED      database   cannot connect`,
			`^not checked privileges no connection$`,
			`^ok          song data  `,
			`^FAILED      log data   SPARKIFY_LOG_DATA: cannot read file:///nonexistent/log_data: the directory does not exist$`,
			`^ok          staging    `,
			`^ok          report     `,
		}},
		{"report folder is a file", good(map[string]string{"SPARKIFY_REPORT_DIR": notDir}), 2, []string{
			`^FAILED      database   `,
			`^not checked privileges `,
			`^ok          song data  `,
			`^ok          log data   `,
			`^ok          staging    `,
			`^FAILED      report     SPARKIFY_REPORT_DIR: .*/file is not a folder: choose a folder, or a path where the report may create one$`,
		}},
		{"redshift without a role", good(map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_DATABASE_URL": refusing,
			"SPARKIFY_SONG_DATA": "s3://sparkify/song_data", "SPARKIFY_LOG_DATA": "s3://sparkify/log_data"}), 2, []string{
			`^FAILED      database   `,
			`^not checked privileges `,
			`^FAILED      song data  list s3://sparkify/song_data: .*connection refused.* \(a peer is down, stalled or busy: run the check again later\)$`,
			`^FAILED      log data   list s3://sparkify/log_data: `,
			`^warning     staging    SPARKIFY_STAGING_URI is not set: every Redshift load is then a full reload`,
			`^ok          report     `,
			`^FAILED      copy       SPARKIFY_IAM_ROLE_ARN: is required for the redshift target`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// S3 on a port where nothing listens.
			t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1")
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			t.Setenv("AWS_REGION", "us-east-1")
			code, out, errOut := run(t, tt.env, "-phase", "check")
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(got) != len(tt.lines) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(tt.lines), out)
			}
			for i, re := range tt.lines {
				if !regexp.MustCompile(re).MatchString(got[i]) {
					t.Errorf("line %d = %q, want it to match %q", i+1, got[i], re)
				}
			}
			if !strings.Contains(errOut, "checks failed") {
				t.Errorf("stderr does not say which checks failed:\n%s", errOut)
			}
			if strings.Contains(out+errOut, "XYZZY") {
				t.Error("the output shows the password")
			}
			if _, err := os.Stat(filepath.Join(report, "new")); err == nil {
				t.Error("the check created the report folder")
			}
			if left, _ := filepath.Glob(filepath.Join(report, ".sparkify-check-*")); len(left) > 0 {
				t.Errorf("the check left %v", left)
			}
		})
	}
}

func TestCheckDryRun(t *testing.T) {
	code, out, errOut := run(t, nil, "-phase", "check", "-dry-run")
	if code != 0 || !strings.HasPrefix(out, "-- check: target postgres; nothing is checked (dry run).") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestCheckCopyRole: with redshift:DescribeClusters allowed, the check says
// whether the cluster of the database URL has the COPY role attached; where
// the call fails it says that it did not check.
func TestCheckCopyRole(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read"
	cluster := func(roles string) string {
		return `<DescribeClustersResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><DescribeClustersResult><Clusters><Cluster>` +
			`<ClusterIdentifier>sparkify</ClusterIdentifier><IamRoles>` + roles + `</IamRoles></Cluster></Clusters></DescribeClustersResult>` +
			`<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeClustersResponse>`
	}
	attached := func(arn, status string) string {
		return `<ClusterIamRole><IamRoleArn>` + arn + `</IamRoleArn><ApplyStatus>` + status + `</ApplyStatus></ClusterIamRole>`
	}
	denied := `<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
		`<Message>not authorized to perform: redshift:DescribeClusters</Message></Error><RequestId>1</RequestId></ErrorResponse>`
	tests := []struct {
		name   string
		host   string
		status int
		body   string
		want   string // the copy role line
		failed bool
	}{
		{"attached", "sparkify.abc123.us-west-2.redshift.amazonaws.com", 200, cluster(attached(role, "in-sync")),
			"ok          copy role  attached to cluster sparkify (in-sync); that its trust policy lets Redshift assume it shows in the load's first COPY", false},
		{"not attached", "sparkify.abc123.us-west-2.redshift.amazonaws.com", 200, cluster(attached("arn:aws:iam::123456789012:role/other", "in-sync")),
			"FAILED      copy role  SPARKIFY_IAM_ROLE_ARN: " + role + " is not attached to cluster sparkify, so COPY cannot assume it: run -phase provision (it attaches its role), or aws redshift modify-cluster-iam-roles --cluster-identifier sparkify --add-iam-roles " + role, true},
		{"being attached", "sparkify.abc123.us-west-2.redshift.amazonaws.com", 200, cluster(attached(role, "adding")),
			"warning     copy role  attached to cluster sparkify but adding, not in-sync yet: COPY can assume it once Redshift has applied it", false},
		{"describe refused", "sparkify.abc123.us-west-2.redshift.amazonaws.com", 403, denied,
			"not checked copy role  whether cluster sparkify has the role attached: redshift:DescribeClusters failed (", false},
		{"not a cluster endpoint", "127.0.0.1", 0, "",
			"not checked copy role  whether the cluster has the role attached: SPARKIFY_DATABASE_URL is not a provisioned cluster's endpoint", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				calls = append(calls, r.Form.Get("Action")+" "+r.Form.Get("ClusterIdentifier"))
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			t.Setenv("AWS_ENDPOINT_URL_REDSHIFT", srv.URL)
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			t.Setenv("AWS_REGION", "")
			t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
			t.Setenv("AWS_MAX_ATTEMPTS", "1")
			var out bytes.Buffer
			c := &checker{out: &out, cfg: config.Config{
				Target: warehouse.Redshift, DatabaseURL: "postgres://u@" + tt.host + ":5439/sparkify", IAMRoleARN: role,
				SongData: source.Location{Scheme: "s3", Bucket: "my-bucket", Path: "song_data"}, LogData: source.Location{Scheme: "s3", Bucket: "my-bucket", Path: "log_data"},
				LogJSONPath: "s3://my-bucket/paths.json", SourceRegion: "us-west-2",
			}}
			c.copyRole(context.Background())
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[1], tt.want) {
				t.Errorf("lines:\n%s\nwant the second to start with\n%s", out.String(), tt.want)
			}
			if failed := c.lines[len(c.lines)-1].status == checkFailed; failed != tt.failed {
				t.Errorf("failed = %v, want %v", failed, tt.failed)
			}
			if tt.status != 0 && (len(calls) != 1 || calls[0] != "DescribeClusters sparkify") {
				t.Errorf("calls %v, want one DescribeClusters of sparkify", calls)
			}
		})
	}
}
