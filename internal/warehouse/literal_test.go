package warehouse

import (
	"errors"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

func TestLiteral(t *testing.T) {
	tests := []struct {
		name  string
		kind  LiteralKind
		value string
		want  string // quoted literal, or "" when the value must be refused
	}{
		{"bucket prefix", S3URI, "s3://udacity-dend/song_data", "'s3://udacity-dend/song_data'"},
		{"bucket only", S3URI, "s3://udacity-dend", "'s3://udacity-dend'"},
		{"jsonpaths file", S3URI, "s3://my.bucket-1/conf/log_json_path.json", "'s3://my.bucket-1/conf/log_json_path.json'"},
		{"quote ends the literal", S3URI, "s3://bucket/x' CREDENTIALS 'aws_access_key_id=AKIA", ""},
		{"backslash escape", S3URI, `s3://bucket/x\'`, ""},
		{"extra clause after space", S3URI, "s3://bucket/x MANIFEST", ""},
		{"statement break", S3URI, "s3://bucket/x;DROP TABLE users", ""},
		{"newline", S3URI, "s3://bucket/x\nMAXERROR 100000", ""},
		{"upper-case bucket", S3URI, "s3://Bucket/x", ""},
		{"not s3", S3URI, "https://bucket.s3.amazonaws.com/x", ""},
		{"role", RoleARN, "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read", "'arn:aws:iam::123456789012:role/sparkify-redshift-s3-read'"},
		{"role with path", RoleARN, "arn:aws-us-gov:iam::123456789012:role/service/etl@x=1,y.z", "'arn:aws-us-gov:iam::123456789012:role/service/etl@x=1,y.z'"},
		{"role with quote", RoleARN, "arn:aws:iam::123456789012:role/x' REGION 'eu-west-1", ""},
		{"chained roles", RoleARN, "arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b", ""},
		{"user not role", RoleARN, "arn:aws:iam::123456789012:user/admin", ""},
		{"short account", RoleARN, "arn:aws:iam::1234:role/x", ""},
		{"region", Region, "us-west-2", "'us-west-2'"},
		{"gov region", Region, "us-gov-west-1", "'us-gov-west-1'"},
		{"region with clause", Region, "us-west-2' MAXERROR '1", ""},
		{"empty region", Region, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Literal("Option", tt.kind, tt.value)
			if tt.want == "" {
				var ve *ValueError
				if !errors.As(err, &ve) || ve.Option != "Option" {
					t.Fatalf("Literal(%q) = %q, %v; want a *ValueError naming the option", tt.value, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Literal(%q) = %q, %v; want %q", tt.value, got, err, tt.want)
			}
		})
	}
}

func TestRedshiftPlanRefusesBadValues(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Options)
		wantOpt string
	}{
		{"role with quote", func(o *Options) { o.IAMRoleARN = "arn:aws:iam::123456789012:role/x'" }, "IAMRoleARN"},
		{"missing role", func(o *Options) { o.IAMRoleARN = "" }, "IAMRoleARN"},
		{"log URI with clause", func(o *Options) {
			o.LogData = source.Location{Scheme: "s3", Bucket: "bkt", Path: "log_data' IAM_ROLE 'arn:aws:iam::1:role/x"}
		}, "LogData"},
		{"song URI is a directory", func(o *Options) { o.SongData = source.Location{Scheme: "file", Path: "/data/song_data"} }, "SongData"},
		{"jsonpaths with clause", func(o *Options) { o.LogJSONPath = "s3://b/p.json' GZIP '" }, "LogJSONPath"},
		{"region", func(o *Options) { o.Region = "us-west-2;" }, "Region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := planOptions(Redshift)
			tt.mutate(&o)
			_, err := BuildPlan(sql.FS(), o)
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Option != tt.wantOpt {
				t.Fatalf("BuildPlan: %v; want a *ValueError naming %s", err, tt.wantOpt)
			}
		})
	}
}

// FuzzLiteral shows that no input can end the literal early or add a
// clause: a value is either refused, or comes back as one closed literal
// whose content is the value itself and which the SQL splitter sees as one
// statement with no code outside the quotes.
func FuzzLiteral(f *testing.F) {
	for _, s := range []string{
		"s3://udacity-dend/song_data", "s3://b/x' MANIFEST '", `s3://b/x\`, "us-west-2",
		"arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:role/r';--", "s3://b/a;b", "s3://b/--x",
		"s3://b/x/*y", "s3://b/x''",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, kind := range []LiteralKind{S3URI, RoleARN, Region} {
			lit, err := Literal("Option", kind, value)
			if err != nil {
				continue
			}
			inner := lit[1 : len(lit)-1]
			if lit[0] != '\'' || lit[len(lit)-1] != '\'' || strings.ContainsAny(inner, "'\\\n\r\x00") || inner != value {
				t.Fatalf("Literal(%q) = %q: not one closed literal holding the value", value, lit)
			}
			stmt := "COPY t FROM " + lit + " REGION 'us-west-2'"
			parts := sql.Split(stmt)
			if len(parts) != 1 || parts[0] != stmt {
				t.Fatalf("%q splits into %q", stmt, parts)
			}
			if code := sql.StripComments(stmt); code != stmt {
				t.Fatalf("%q holds a comment: %q", stmt, code)
			}
		}
	})
}

func TestCopyErrorShowsRecordedRows(t *testing.T) {
	err := &CopyError{
		Err:    errors.New(`sql/redshift/copy_events.sql (COPY staging_events): ERROR: Load into table 'staging_events' failed. Check 'stl_load_errors' system table for details.`),
		Source: "stl_load_errors",
		Details: []LoadError{{
			File: "s3://udacity-dend/log_data/2018/11/2018-11-02-events.json", Line: 7, Column: "item_in_session",
			Code: 1207, Reason: "Invalid digit, Value 'f', Pos 0, Type: Integer", Value: "four",
		}},
	}
	want := `more than 0 malformed records (SPARKIFY_MAX_ERRORS=0); fix the files or raise SPARKIFY_MAX_ERRORS to skip them: sql/redshift/copy_events.sql (COPY staging_events): ERROR: Load into table 'staging_events' failed. Check 'stl_load_errors' system table for details.
rows rejected (from stl_load_errors):
  s3://udacity-dend/log_data/2018/11/2018-11-02-events.json line 7, column item_in_session: Invalid digit, Value 'f', Pos 0, Type: Integer (error 1207, value "four")`
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err.Error(), want)
	}
}

func TestCopyErrorWithoutRows(t *testing.T) {
	err := &CopyError{Err: errors.New("S3ServiceException:The specified key does not exist."), Source: "sys_load_error_detail", NoRows: true}
	want := "S3ServiceException:The specified key does not exist.\n(sys_load_error_detail holds no row for this COPY: it failed before loading any data)"
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err.Error(), want)
	}
}

func TestTableIn(t *testing.T) {
	for q, want := range map[string]string{
		"-- x FROM y\nSELECT a FROM stl_load_errors WHERE b": "stl_load_errors",
		"SELECT TRIM(file_name)\nfrom sys_load_error_detail": "sys_load_error_detail",
	} {
		if got := tableIn(q); got != want {
			t.Errorf("tableIn(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestMaxErrorClause(t *testing.T) {
	p := &Plan{MaxErrors: 3}
	for rejected, want := range map[int64]string{0: "4", 2: "2", 3: "1"} {
		if got := p.MaxErrorClause(rejected); got != want {
			t.Errorf("MaxErrorClause(%d) = %s, want %s", rejected, got, want)
		}
	}
}

func TestManifest(t *testing.T) {
	got, err := Manifest([]string{"s3://b/song_data/A/x.json", "s3://b/song_data/B/y.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "entries": [
    {
      "url": "s3://b/song_data/A/x.json",
      "mandatory": true
    },
    {
      "url": "s3://b/song_data/B/y.json",
      "mandatory": true
    }
  ]
}`
	if string(got) != want {
		t.Errorf("Manifest =\n%s\nwant\n%s", got, want)
	}
}
