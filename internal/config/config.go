package config

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Prefix is the prefix of every variable the job reads itself. AWS settings
// (credentials, region, endpoints) are read by the AWS SDK from its own
// standard variables.
const Prefix = "SPARKIFY"

// Targets the job can run against.
const (
	TargetPostgres = "postgres"
	TargetRedshift = "redshift"
)

// Config is the whole configuration of one run.
type Config struct {
	Target       string        `envconfig:"TARGET" default:"postgres" desc:"warehouse engine: postgres or redshift"`
	DatabaseURL  string        `envconfig:"DATABASE_URL" desc:"postgres://user:pass@host:port/db?sslmode=... (Redshift: the cluster endpoint, port 5439); required for load and report"`
	SongData     string        `envconfig:"SONG_DATA" default:"s3://udacity-dend/song_data" desc:"prefix URI of the song files (s3://bucket/prefix or file:///dir)"`
	LogData      string        `envconfig:"LOG_DATA" default:"s3://udacity-dend/log_data" desc:"prefix URI of the log files (s3://bucket/prefix or file:///dir)"`
	LogJSONPath  string        `envconfig:"LOG_JSONPATH" default:"s3://udacity-dend/log_json_path.json" desc:"jsonpaths file for the Redshift COPY of the logs"`
	SourceRegion string        `envconfig:"SOURCE_REGION" default:"us-west-2" desc:"region of the source bucket (Redshift COPY REGION; S3 client region when AWS_REGION is unset)"`
	S3PathStyle  bool          `envconfig:"S3_PATH_STYLE" default:"false" desc:"path-style S3 addressing, for emulators"`
	IAMRoleARN   string        `envconfig:"IAM_ROLE_ARN" desc:"role Redshift assumes for COPY (printed by -phase provision)"`
	ReportDir    string        `envconfig:"REPORT_DIR" default:"report" desc:"directory where report writes its files"`
	ReportURI    string        `envconfig:"REPORT_URI" desc:"optional s3://bucket/prefix; report files are also uploaded to prefix/<date>/"`
	MaxErrors    int           `envconfig:"MAX_ERRORS" default:"0" desc:"malformed source records to skip (and count) before the load fails"`
	Concurrency  int           `envconfig:"S3_CONCURRENCY" default:"32" desc:"source objects fetched at once"`
	LogFormat    string        `envconfig:"LOG_FORMAT" default:"text" desc:"log format: text or json"`
	LockTimeout  time.Duration `envconfig:"LOCK_TIMEOUT" default:"30m" desc:"how long a load waits for another running load to finish"`

	Provision
}

// Provision configures the provision and teardown phases.
type Provision struct {
	ClusterID         string        `envconfig:"CLUSTER_ID" default:"sparkify" desc:"Redshift cluster identifier"`
	NodeType          string        `envconfig:"NODE_TYPE" default:"ra3.large" desc:"Redshift node type"`
	NodeCount         int           `envconfig:"NODE_COUNT" default:"1" desc:"number of nodes; 1 means a single-node cluster"`
	DBName            string        `envconfig:"DB_NAME" default:"sparkify" desc:"database created in the cluster"`
	DBUser            string        `envconfig:"DB_USER" default:"sparkify" desc:"master user of the cluster"`
	DBPassword        string        `envconfig:"DB_PASSWORD" desc:"master password (secret); when empty, AWS Secrets Manager manages it"`
	DBPort            int           `envconfig:"DB_PORT" default:"5439" desc:"cluster port"`
	IAMRoleName       string        `envconfig:"IAM_ROLE_NAME" default:"sparkify-redshift-s3-read" desc:"name of the IAM role Redshift assumes to read S3"`
	ManagedS3Policy   bool          `envconfig:"IAM_MANAGED_POLICY" default:"false" desc:"attach AmazonS3ReadOnlyAccess instead of the inline policy limited to the source buckets"`
	IngressCIDR       string        `envconfig:"INGRESS_CIDR" desc:"CIDR allowed to reach the cluster port; no ingress rule and no public access when empty"`
	AllowPublic       bool          `envconfig:"ALLOW_PUBLIC_INGRESS" default:"false" desc:"allow 0.0.0.0/0 or ::/0 as INGRESS_CIDR"`
	SecurityGroupID   string        `envconfig:"SECURITY_GROUP_ID" desc:"security group for the ingress rule; default: the default VPC's default group"`
	WaitTimeout       time.Duration `envconfig:"WAIT_TIMEOUT" default:"30m" desc:"how long provision and teardown wait for the cluster"`
	SkipFinalSnapshot bool          `envconfig:"SKIP_FINAL_SNAPSHOT" default:"false" desc:"teardown deletes the cluster without a final snapshot"`
	OutputFile        string        `envconfig:"OUTPUT_FILE" desc:"file where provision also writes its KEY=value outputs"`
	TeardownConfirm   string        `envconfig:"TEARDOWN_CONFIRM" desc:"postgres target: teardown drops the database only when this repeats its name"`
}

// Error is a configuration error: it names the variable and the fix.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return Prefix + "_" + e.Var + ": " + e.Msg }

// Load reads the configuration through getenv and validates it. It returns
// an *Error for a value the user must fix.
//
// The variables, their defaults and their help are the struct tags of Config,
// in envconfig's notation, and Usage prints them with envconfig. The values
// are read here rather than by envconfig.Process because envconfig reads only
// the process environment, while the job takes its environment as a function
// (tests run it in-process with environments of their own).
func Load(getenv func(string) string) (Config, error) {
	var c Config
	if err := load(reflect.ValueOf(&c).Elem(), getenv); err != nil {
		return c, err
	}
	return c, c.validate()
}

var durationType = reflect.TypeFor[time.Duration]()

// load fills the fields of v from their variables (or defaults); embedded
// structs share the prefix, as in envconfig.
func load(v reflect.Value, getenv func(string) string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := load(v.Field(i), getenv); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("envconfig")
		if name == "" {
			continue
		}
		value := getenv(Prefix + "_" + name)
		if value == "" {
			value = f.Tag.Get("default")
		}
		if value == "" {
			continue
		}
		field := v.Field(i)
		var err error
		switch {
		case f.Type == durationType:
			var d time.Duration
			d, err = time.ParseDuration(value)
			field.SetInt(int64(d))
		case f.Type.Kind() == reflect.String:
			field.SetString(value)
		case f.Type.Kind() == reflect.Int:
			var n int64
			n, err = strconv.ParseInt(value, 10, 0)
			field.SetInt(n)
		case f.Type.Kind() == reflect.Bool:
			var b bool
			b, err = strconv.ParseBool(value)
			field.SetBool(b)
		default:
			return fmt.Errorf("config: field %s has unsupported type %s", f.Name, f.Type)
		}
		if err != nil {
			typ := f.Type.String()
			if f.Type == durationType {
				typ = "a duration such as 30m"
			}
			return &Error{Var: name, Msg: fmt.Sprintf("cannot parse %q as %s", value, typ)}
		}
	}
	return nil
}

func (c *Config) validate() error {
	switch c.Target {
	case TargetPostgres, TargetRedshift:
	default:
		return &Error{"TARGET", fmt.Sprintf("unknown target %q: use postgres or redshift", c.Target)}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return &Error{"LOG_FORMAT", fmt.Sprintf("unknown format %q: use text or json", c.LogFormat)}
	}
	for _, v := range []struct{ name, val string }{{"SONG_DATA", c.SongData}, {"LOG_DATA", c.LogData}} {
		if _, err := ParseURI(v.val); err != nil {
			return &Error{v.name, err.Error()}
		}
	}
	if c.ReportURI != "" {
		if u, err := ParseURI(c.ReportURI); err != nil || u.Scheme != "s3" {
			return &Error{"REPORT_URI", fmt.Sprintf("%q is not of the form s3://bucket/prefix", c.ReportURI)}
		}
	}
	if c.MaxErrors < 0 {
		return &Error{"MAX_ERRORS", "must be 0 or more"}
	}
	if c.Concurrency < 1 {
		return &Error{"S3_CONCURRENCY", "must be 1 or more"}
	}
	if c.LockTimeout <= 0 {
		return &Error{"LOCK_TIMEOUT", "must be a positive duration such as 30m"}
	}
	return nil
}

// RequireDatabase checks SPARKIFY_DATABASE_URL, which load and report need.
func (c *Config) RequireDatabase() error {
	if strings.TrimSpace(c.DatabaseURL) == "" {
		return &Error{"DATABASE_URL", "is required: set it to postgres://user:password@host:port/dbname"}
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return &Error{"DATABASE_URL", "is not a URL of the form postgres://user:password@host:port/dbname"}
	}
	if strings.Trim(u.Path, "/") == "" {
		return &Error{"DATABASE_URL", "names no database: add /dbname after host:port"}
	}
	return nil
}

// URI is a parsed source location: s3://bucket/prefix or file:///dir.
type URI struct {
	Scheme string // "s3" or "file"
	Bucket string // s3 only
	Path   string // key prefix (s3, no leading slash) or absolute directory (file)
}

func (u URI) String() string {
	if u.Scheme == "s3" {
		return "s3://" + u.Bucket + "/" + u.Path
	}
	return "file://" + u.Path
}

// ParseURI parses a source URI. It accepts s3://bucket[/prefix] and
// file:///absolute/dir.
func ParseURI(s string) (URI, error) {
	switch {
	case strings.HasPrefix(s, "s3://"):
		rest := strings.TrimPrefix(s, "s3://")
		bucket, prefix, _ := strings.Cut(rest, "/")
		if !validBucket(bucket) {
			return URI{}, fmt.Errorf("%q is not s3://bucket/prefix: %q is not a valid bucket name", s, bucket)
		}
		return URI{Scheme: "s3", Bucket: bucket, Path: prefix}, nil
	case strings.HasPrefix(s, "file://"):
		p := strings.TrimPrefix(s, "file://")
		if !strings.HasPrefix(p, "/") {
			return URI{}, fmt.Errorf("%q is not file:///absolute/dir: the path must be absolute", s)
		}
		return URI{Scheme: "file", Path: p}, nil
	}
	return URI{}, fmt.Errorf("%q is neither s3://bucket/prefix nor file:///dir", s)
}

// validBucket follows the S3 bucket naming rules: 3 to 63 characters,
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i, r := range b {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '.') && i > 0 && i < len(b)-1:
		default:
			return false
		}
	}
	return true
}

// Usage writes every variable with its default and meaning.
func Usage(w interface{ Write([]byte) (int, error) }) error {
	var c Config
	const format = `{{range .}}  {{usage_key .}}{{"\n"}}      {{usage_description .}}{{if usage_default .}} (default {{usage_default .}}){{end}}{{"\n"}}{{end}}`
	return envconfig.Usagef(Prefix, &c, w, format)
}
