package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/sparkify/warehouse/internal/report"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// Prefix is the prefix of every variable the job reads itself. AWS settings
// (credentials, region, endpoints) are read by the AWS SDK from its own
// standard variables.
const Prefix = "SPARKIFY"

// Config is the whole configuration of one run.
type Config struct {
	Target         warehouse.Target         `envconfig:"TARGET" default:"postgres" desc:"warehouse engine: postgres or redshift"`
	DatabaseURL    string                   `envconfig:"DATABASE_URL" desc:"postgres://user:pass@host:port/db?sslmode=... (Redshift: the cluster endpoint, port 5439); required for load and report"`
	SongData       source.Location          `envconfig:"SONG_DATA" default:"s3://udacity-dend/song_data" desc:"prefix URI of the song files (s3://bucket/prefix or file:///dir)"`
	LogData        source.Location          `envconfig:"LOG_DATA" default:"s3://udacity-dend/log_data" desc:"prefix URI of the log files (s3://bucket/prefix or file:///dir)"`
	LogJSONPath    string                   `envconfig:"LOG_JSONPATH" default:"s3://udacity-dend/log_json_path.json" desc:"jsonpaths file for the Redshift COPY of the logs"`
	SourceRegion   string                   `envconfig:"SOURCE_REGION" default:"us-west-2" desc:"region of the source bucket (Redshift COPY REGION; S3 client region when AWS_REGION is unset)"`
	S3PathStyle    bool                     `envconfig:"S3_PATH_STYLE" default:"false" desc:"path-style S3 addressing, for emulators"`
	IAMRoleARN     string                   `envconfig:"IAM_ROLE_ARN" desc:"role Redshift assumes for COPY (printed by -phase provision)"`
	ReportDir      string                   `envconfig:"REPORT_DIR" default:"report" desc:"directory where report writes its files"`
	ReportURI      S3Location               `envconfig:"REPORT_URI" desc:"optional s3://bucket/prefix; report files are also uploaded to prefix/<date>/"`
	StagingURI     S3Location               `envconfig:"STAGING_URI" desc:"redshift target: writable s3://bucket/prefix where each load writes the COPY manifests of the objects it lists (Redshift's role must read it)"`
	MaxErrors      int                      `envconfig:"MAX_ERRORS" default:"0" desc:"malformed source records to skip (and count) before the load fails"`
	Concurrency    int                      `envconfig:"S3_CONCURRENCY" default:"128" desc:"source objects fetched at once"`
	ReportTimeout  time.Duration            `envconfig:"REPORT_TIMEOUT" default:"15m" desc:"how long the report's queries may run, a wait for a lock included; past it they are cancelled and the job exits 75"`
	ReportMaxAge   time.Duration            `envconfig:"REPORT_MAX_AGE" default:"36h" desc:"the report warns when the last successful load is older than this, or when the last load failed"`
	PushgatewayURL string                   `envconfig:"PUSHGATEWAY_URL" desc:"optional Prometheus Pushgateway URL: each run pushes its duration, status, rows per table and last-success time"`
	FullRefresh    bool                     `envconfig:"FULL_REFRESH" default:"false" desc:"rebuild the star tables from every source object as it is now, not only from those new or changed since the last loads (also the -full-refresh flag)"`
	DeletedSources warehouse.DeletedSources `envconfig:"DELETED_SOURCES" default:"keep" desc:"what a load does with the rows of source objects deleted since they were loaded: keep (logs expired by bucket lifecycle rules keep their history) or retract (the warehouse follows its sources)"`
	RunResult      string                   `envconfig:"RUN_RESULT" desc:"file where each run writes its result as JSON (phases, durations, counts, error and its class); none when empty"`
	LogFormat      string                   `envconfig:"LOG_FORMAT" default:"text" desc:"log format: text or json"`
	S3Timeout      time.Duration            `envconfig:"S3_TIMEOUT" default:"60s" desc:"S3 requests: connecting, the first byte of a response, and any pause while reading an object; a stalled peer then fails the load with the transient exit code, naming the object"`
	LockTimeout    time.Duration            `envconfig:"LOCK_TIMEOUT" default:"30m" desc:"how long a load waits for another running load to finish"`
	LogLevel       string                   `envconfig:"LOG_LEVEL" default:"info" desc:"log level: info (phases, progress, summaries, warnings) or debug (also each statement and step done)"`
	ReportPeriod   report.PeriodSpec        `envconfig:"REPORT_PERIOD" default:"all" desc:"the days the report covers: all (every play), Nd (the last N days up to the last play, e.g. 30d), YYYY-MM (a month) or YYYY-MM-DD..YYYY-MM-DD (days, both included)"`

	Provision

	PubliclyAccessible bool   `envconfig:"PUBLICLY_ACCESSIBLE" default:"false" desc:"give the Redshift cluster or workgroup a public endpoint; INGRESS_CIDR alone adds only a security group rule"`
	RedshiftDeployment string `envconfig:"REDSHIFT_DEPLOYMENT" default:"provisioned" desc:"what provision creates for the redshift target: provisioned (a cluster) or serverless (a namespace and a workgroup)"`
	ServerlessBaseRPU  int    `envconfig:"SERVERLESS_BASE_RPU" default:"4" desc:"serverless: base capacity of the workgroup in RPUs (4, or 8 to 512 in steps of 8, or 512 to 1024 in steps of 32)"`
	RedshiftAuth       string `envconfig:"REDSHIFT_AUTH" default:"password" desc:"redshift target: password (the user and password in DATABASE_URL) or iam (temporary database credentials from redshift:GetClusterCredentialsWithIAM or redshift-serverless:GetCredentials, with the AWS SDK's default credentials; DATABASE_URL then needs no user or password)"`
	Workgroup          string `envconfig:"WORKGROUP" desc:"redshift target with REDSHIFT_AUTH=iam: the Serverless workgroup, when the endpoint's name does not give it (default: the endpoint's first label; CLUSTER_ID likewise names a provisioned cluster)"`
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
	SecurityGroupID   string        `envconfig:"SECURITY_GROUP_ID" desc:"existing security group (in the cluster's VPC) that holds the ingress rule and is attached to the cluster; default with INGRESS_CIDR: a group provision creates for the cluster (removed by teardown)"`
	SubnetGroup       string        `envconfig:"SUBNET_GROUP" desc:"existing Redshift cluster subnet group to create the cluster in; default: one made from SUBNET_IDS, else the default VPC"`
	SubnetIDs         []string      `envconfig:"SUBNET_IDS" desc:"comma-separated subnet ids of one VPC: provision creates a subnet group from them (teardown removes it)"`
	IPAddressType     string        `envconfig:"IP_ADDRESS_TYPE" default:"ipv4" desc:"ipv4 or dualstack; dualstack needs subnets with IPv6 ranges and allows an IPv6 INGRESS_CIDR"`
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

// Load reads the configuration from the process environment with
// envconfig.Process and validates it. It returns an *Error for a value the
// user must fix. A variable set to the empty string counts as set (as in
// envconfig): it does not fall back to the default.
//
// The variables, their defaults and their help are the struct tags of
// Config; Usage prints them.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process(Prefix, &c); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return c, &Error{Var: strings.TrimPrefix(pe.KeyName, Prefix+"_"), Msg: parseMessage(pe)}
		}
		return c, err
	}
	return c, c.validate()
}

// parseMessage explains a value envconfig could not convert.
func parseMessage(pe *envconfig.ParseError) string {
	switch pe.TypeName {
	case "time.Duration":
		return fmt.Sprintf("cannot parse %q as a duration such as 30m", pe.Value)
	case "int", "bool":
		return fmt.Sprintf("cannot parse %q as %s", pe.Value, pe.TypeName)
	}
	return pe.Err.Error() // the field's own Decode names the problem
}

// S3Location is an optional s3:// location (SPARKIFY_REPORT_URI,
// SPARKIFY_STAGING_URI).
type S3Location struct{ source.Location }

// Decode parses the variable's value (envconfig.Decoder); the empty string
// leaves it unset.
func (r *S3Location) Decode(s string) error {
	if s == "" {
		*r = S3Location{}
		return nil
	}
	loc, err := source.ParseLocation(s)
	if err != nil || loc.Scheme != "s3" {
		return fmt.Errorf("%q is not of the form s3://bucket/prefix", s)
	}
	// Keys are written under the prefix: "." and ".." would be taken
	// literally by S3, never as folders, so they are refused; repeated
	// slashes are folded.
	for _, seg := range strings.Split(loc.Path, "/") {
		// Percent-encoded too (%2e%2e): a client or proxy may decode it.
		if dec, err := url.PathUnescape(seg); seg == "." || seg == ".." || err == nil && (dec == "." || dec == "..") {
			return fmt.Errorf("%q has a %q path segment: write the prefix without such segments", s, seg)
		}
	}
	if loc.Path != "" {
		loc.Path = strings.TrimPrefix(path.Clean("/"+loc.Path), "/")
	}
	r.Location = loc
	return nil
}

func (c *Config) validate() error {
	switch c.LogFormat {
	case "text", "json":
	default:
		return &Error{"LOG_FORMAT", fmt.Sprintf("unknown format %q: use text or json", c.LogFormat)}
	}
	switch c.LogLevel {
	case "info", "debug":
	default:
		return &Error{"LOG_LEVEL", fmt.Sprintf("unknown level %q: use info or debug", c.LogLevel)}
	}
	if c.MaxErrors < 0 {
		return &Error{"MAX_ERRORS", "must be 0 or more"}
	}
	if c.Concurrency < 1 {
		return &Error{"S3_CONCURRENCY", "must be 1 or more"}
	}
	if c.S3Timeout <= 0 {
		return &Error{"S3_TIMEOUT", "must be a positive duration such as 60s"}
	}
	if c.ReportTimeout <= 0 {
		return &Error{"REPORT_TIMEOUT", "must be a positive duration such as 15m"}
	}
	if c.LockTimeout <= 0 {
		return &Error{"LOCK_TIMEOUT", "must be a positive duration such as 30m"}
	}
	switch c.RedshiftAuth {
	case "password":
	case "iam":
		if c.Target != warehouse.Redshift {
			return &Error{"REDSHIFT_AUTH", "iam works with the redshift target only: set SPARKIFY_TARGET=redshift or SPARKIFY_REDSHIFT_AUTH=password"}
		}
	default:
		return &Error{"REDSHIFT_AUTH", fmt.Sprintf("unknown value %q: use password or iam", c.RedshiftAuth)}
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
		msg := "is not a URL of the form postgres://user:password@host:port/dbname"
		if strings.ContainsAny(c.DatabaseURL, "#?") {
			msg += "; characters such as # ? / @ in the password must be percent-encoded (# as %23, ? as %3F, / as %2F, @ as %40)"
		}
		return &Error{"DATABASE_URL", msg}
	}
	if strings.Trim(u.Path, "/") == "" {
		return &Error{"DATABASE_URL", "names no database: add /dbname after host:port"}
	}
	if _, ok := u.User.Password(); ok && c.RedshiftAuth == "iam" {
		return &Error{"DATABASE_URL", "holds a password, but SPARKIFY_REDSHIFT_AUTH=iam gets temporary credentials: remove user and password from the URL"}
	}
	return nil
}

// Variable returns the full name of the variable that sets a warehouse
// option (warehouse.Options' field names, as in warehouse.ValueError).
func Variable(option string) string {
	names := map[string]string{
		"SongData":    "SONG_DATA",
		"LogData":     "LOG_DATA",
		"LogJSONPath": "LOG_JSONPATH",
		"IAMRoleARN":  "IAM_ROLE_ARN",
		"Region":      "SOURCE_REGION",
		"MaxErrors":   "MAX_ERRORS",
	}
	if n, ok := names[option]; ok {
		return n
	}
	return option
}

// Usage writes every variable with its default and meaning.
func Usage(w io.Writer) error {
	var c Config
	const format = `{{range .}}  {{usage_key .}}{{"\n"}}      {{usage_description .}}{{if usage_default .}} (default {{usage_default .}}){{end}}{{"\n"}}{{end}}`
	return envconfig.Usagef(Prefix, &c, w, format)
}

// Unknown is a SPARKIFY_ variable the job does not read.
type Unknown struct {
	Name       string
	Suggestion string // the closest known variable, or ""
}

// UnknownVariables returns the SPARKIFY_ variables of environ (KEY=value
// strings, as os.Environ gives) that the job does not know, each with the
// closest known name: a misspelled variable is otherwise silently ignored.
func UnknownVariables(environ []string) []Unknown {
	known := knownVariables()
	var out []Unknown
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, Prefix+"_") || slices.Contains(known, name) {
			continue
		}
		u := Unknown{Name: name}
		best := len(name)
		for _, k := range known {
			if d := editDistance(name, k); d < best && d <= 3 {
				best, u.Suggestion = d, k
			}
		}
		out = append(out, u)
	}
	return out
}

// knownVariables lists every variable Config reads, from its envconfig tags.
func knownVariables() []string {
	var out []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			} else if name := f.Tag.Get("envconfig"); name != "" {
				out = append(out, Prefix+"_"+name)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
