package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/awslog"
	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

// The outcome of one check of -phase check.
const (
	checkOK         = "ok"
	checkFailed     = "FAILED"
	checkWarning    = "warning"
	checkNotChecked = "not checked"
)

// checkLine is one line of -phase check: what was checked, the outcome,
// and what was found or the fix.
type checkLine struct {
	name, status, detail string
	err                  error // the error behind a failed check
}

// checkFile holds the database checks' statements.
const checkFile = "shared/connectivity/check.sql"

// runCheck checks, changing nothing the job keeps, that a load and a report
// could run with this configuration: the database answers and the user may
// create and write the job's tables, each source lists, the staging prefix
// and the report destination are writable (a marker object or file is
// written and removed), and on redshift that the COPY role is well formed.
// It prints one line per check and fails, with the exit code the load
// would have, when one failed: 2 for a setting to fix, 75 for a peer that
// failed for now.
func runCheck(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer) error {
	if dryRun {
		fmt.Fprintf(stdout, "-- check: target %s; nothing is checked (dry run). A real run checks, writing nothing the job keeps:\n", cfg.Target)
		for _, s := range []string{
			"database: connects to SPARKIFY_DATABASE_URL",
			"privileges: CREATE on the current schema, TEMP on the database, and SELECT, INSERT, UPDATE, DELETE on the job's tables that exist",
			"song data, log data: lists SPARKIFY_SONG_DATA and SPARKIFY_LOG_DATA (a page of keys; file:// folders whole)",
			"staging: writes and removes a marker object under SPARKIFY_STAGING_URI, when set",
			"report: writes and removes a marker file in SPARKIFY_REPORT_DIR, and a marker object under SPARKIFY_REPORT_URI when set",
			"copy (redshift): SPARKIFY_IAM_ROLE_ARN and the COPY URIs and region are well formed",
			"copy role (redshift): the cluster of SPARKIFY_DATABASE_URL has the role attached, where redshift:DescribeClusters is allowed",
		} {
			fmt.Fprintf(stdout, "--   %s\n", s)
		}
		return nil
	}
	c := &checker{cfg: cfg, out: stdout}
	c.database(ctx)
	c.sources(ctx)
	c.staging(ctx)
	c.report(ctx)
	c.copyRole(ctx)
	return c.result(ctx)
}

type checker struct {
	cfg    config.Config
	out    io.Writer
	lines  []checkLine
	client *s3.Client
}

// add prints one check's line.
func (c *checker) add(l checkLine) {
	// One line per check: pgx lists each address it tried on a line.
	l.detail = strings.ReplaceAll(strings.ReplaceAll(l.detail, "\n\t", "; "), "\n", "; ")
	c.lines = append(c.lines, l)
	fmt.Fprintf(c.out, "%-11s %-10s %s\n", l.status, l.name, l.detail)
}

func (c *checker) fail(name string, err error) {
	c.add(checkLine{name: name, status: checkFailed, detail: err.Error() + fixHint(err), err: err})
}

// fixHint adds what to do about an error that names no fix of its own.
func fixHint(err error) string {
	var ce *config.Error
	if errors.As(err, &ce) {
		return "" // the message names the variable and the fix
	}
	if transient(err) {
		return " (a peer is down, stalled or busy: run the check again later)"
	}
	return ""
}

// result is the phase's error: nil when every check passed, else the
// failures, classified as the load would classify the worst of them (a
// configuration error before a transient one).
func (c *checker) result(ctx context.Context) error {
	var failed []checkLine
	for _, l := range c.lines {
		if l.status == checkFailed {
			failed = append(failed, l)
		}
	}
	if len(failed) == 0 {
		fmt.Fprintf(c.out, "all %d checks passed\n", len(c.lines))
		return nil
	}
	worst := failed[0]
	rank := func(err error) int {
		switch class, _ := classify(ctx, err); class {
		case classConfiguration, classUsage:
			return 0
		case classFailed:
			return 1
		}
		return 2
	}
	for _, l := range failed[1:] {
		if rank(l.err) < rank(worst.err) {
			worst = l
		}
	}
	names := make([]string, len(failed))
	for i, l := range failed {
		names[i] = l.name
	}
	return fmt.Errorf("%d of %d checks failed (%s); first to fix: %s: %w", len(failed), len(c.lines), strings.Join(names, ", "), worst.name, worst.err)
}

// s3Client returns the S3 client, made once.
func (c *checker) s3Client(ctx context.Context) (*s3.Client, error) {
	if c.client != nil {
		return c.client, nil
	}
	client, err := source.NewS3Client(ctx, source.S3Options{Region: c.cfg.SourceRegion, PathStyle: c.cfg.S3PathStyle, Timeout: c.cfg.S3Timeout})
	if err != nil {
		return nil, err
	}
	c.client = client
	return client, nil
}

func (c *checker) database(ctx context.Context) {
	if err := c.cfg.RequireDatabase(); err != nil {
		c.fail("database", err)
		c.add(checkLine{name: "privileges", status: checkNotChecked, detail: "no database"})
		return
	}
	conn, err := connect(ctx, c.cfg)
	if err != nil {
		c.fail("database", err)
		c.add(checkLine{name: "privileges", status: checkNotChecked, detail: "no connection"})
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		c.fail("database", fmt.Errorf("connected to %s, but it does not answer a query: %w", warehouse.Redact(c.cfg.DatabaseURL), err))
		return
	}
	if i := strings.Index(version, " on "); i > 0 {
		version = version[:i]
	}
	c.add(checkLine{name: "database", status: checkOK, detail: fmt.Sprintf("%s answers (%s)", warehouse.Redact(c.cfg.DatabaseURL), version)})
	if err := c.privileges(ctx, conn); err != nil {
		c.fail("privileges", err)
	}
}

// privileges checks what the load needs of the database user: CREATE on
// the schema (its tables, and on Redshift the lock table), TEMP on the
// database (the staging tables), and read and write on the job's tables
// that exist. It only reads the catalog.
func (c *checker) privileges(ctx context.Context, conn *pgx.Conn) error {
	stmts, err := sql.ReadFile(sql.FS(), checkFile)
	if err != nil {
		return err
	}
	named := map[string]string{}
	for _, s := range stmts {
		named[s.Name] = s.SQL
	}
	var user, schema, db string
	var canCreate, canTemp bool
	if err := conn.QueryRow(ctx, named["privileges"]).Scan(&user, &schema, &db, &canCreate, &canTemp); err != nil {
		return fmt.Errorf("read the user's privileges (sql/%s): %w", checkFile, err)
	}
	var missing []string
	if !canCreate {
		missing = append(missing, fmt.Sprintf("GRANT CREATE ON SCHEMA %s TO %s", pgx.Identifier{schema}.Sanitize(), pgx.Identifier{user}.Sanitize()))
	}
	if !canTemp {
		missing = append(missing, fmt.Sprintf("GRANT TEMP ON DATABASE %s TO %s", pgx.Identifier{db}.Sanitize(), pgx.Identifier{user}.Sanitize()))
	}
	rows, err := conn.Query(ctx, named["tables"])
	if err != nil {
		return fmt.Errorf("read the job's tables (sql/%s): %w", checkFile, err)
	}
	var tables []string
	for rows.Next() {
		var name string
		var sel, ins, upd, del bool
		if err := rows.Scan(&name, &sel, &ins, &upd, &del); err != nil {
			rows.Close()
			return fmt.Errorf("read the job's tables: %w", err)
		}
		tables = append(tables, name)
		var privs []string
		for _, p := range []struct {
			ok   bool
			name string
		}{{sel, "SELECT"}, {ins, "INSERT"}, {upd, "UPDATE"}, {del, "DELETE"}} {
			if !p.ok {
				privs = append(privs, p.name)
			}
		}
		if len(privs) > 0 {
			missing = append(missing, fmt.Sprintf("GRANT %s ON %s.%s TO %s", strings.Join(privs, ", "), pgx.Identifier{schema}.Sanitize(), pgx.Identifier{name}.Sanitize(), pgx.Identifier{user}.Sanitize()))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the job's tables: %w", err)
	}
	if len(missing) > 0 {
		return &config.Error{Var: "DATABASE_URL", Msg: fmt.Sprintf("user %s lacks privileges the load needs: %s (as the owner or a superuser)", user, strings.Join(missing, "; "))}
	}
	detail := fmt.Sprintf("user %s may create tables in schema %s and temporary tables", user, schema)
	if len(tables) == 0 {
		detail += "; no table of the job's yet (the first load creates them)"
	} else {
		detail += fmt.Sprintf("; reads and writes the job's %d tables", len(tables))
	}
	c.add(checkLine{name: "privileges", status: checkOK, detail: detail})
	return nil
}

// sources lists each source: on S3 one page of keys (a listing of the
// whole prefix is the load's), a file:// folder whole.
func (c *checker) sources(ctx context.Context) {
	for _, src := range []struct {
		name, variable string
		loc            source.Location
	}{
		{"song data", "SONG_DATA", c.cfg.SongData},
		{"log data", "LOG_DATA", c.cfg.LogData},
	} {
		detail, err := c.listPage(ctx, src.loc)
		if err != nil {
			c.fail(src.name, sourceError(src.variable, src.loc, err))
			continue
		}
		c.add(checkLine{name: src.name, status: checkOK, detail: detail})
	}
}

func (c *checker) listPage(ctx context.Context, loc source.Location) (string, error) {
	if loc.Scheme == "file" {
		store, err := source.Open(loc, nil, c.cfg.S3Timeout)
		if err != nil {
			return "", err
		}
		n, first := 0, ""
		err = store.List(ctx, func(o source.Object) error {
			if n == 0 {
				first = o.URI
			}
			n++
			return nil
		})
		if err == nil && n == 0 {
			err = source.ErrNoObjects
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s lists: %d .json files, the first %s", loc, n, first), nil
	}
	client, err := c.s3Client(ctx)
	if err != nil {
		return "", err
	}
	page, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket), Prefix: aws.String(loc.Path)})
	if err != nil {
		return "", fmt.Errorf("list %s: %w", loc, err)
	}
	n, first := 0, ""
	for _, o := range page.Contents {
		key := aws.ToString(o.Key)
		if strings.HasSuffix(key, ".json") && source.InPrefix(loc.Path, key) {
			if n == 0 {
				first = "s3://" + loc.Bucket + "/" + key
			}
			n++
		}
	}
	truncated := aws.ToBool(page.IsTruncated)
	switch {
	case n > 0 && truncated:
		return fmt.Sprintf("%s lists: %d .json objects in the first page of %d keys, the first %s", loc, n, len(page.Contents), first), nil
	case n > 0:
		return fmt.Sprintf("%s lists: %d .json objects, the first %s", loc, n, first), nil
	case truncated:
		return fmt.Sprintf("%s lists: no .json object in the first page of %d keys (the load lists them all)", loc, len(page.Contents)), nil
	}
	return "", source.ErrNoObjects
}

// staging writes and removes a marker object under SPARKIFY_STAGING_URI,
// where the redshift target writes its COPY manifests.
func (c *checker) staging(ctx context.Context) {
	if c.cfg.StagingURI.IsZero() {
		if warehouse.CopiesFromS3(c.cfg.Target) {
			c.add(checkLine{name: "staging", status: checkWarning, detail: "SPARKIFY_STAGING_URI is not set: every Redshift load is then a full reload (COPY reads whole prefixes); set it to a writable s3://bucket/prefix that the COPY role may read"})
		} else {
			c.add(checkLine{name: "staging", status: checkOK, detail: "not used on the " + string(c.cfg.Target) + " target"})
		}
		return
	}
	loc := c.cfg.StagingURI.Location
	if err := c.writeMarker(ctx, loc); err != nil {
		c.fail("staging", sourceError("STAGING_URI", loc, err))
		return
	}
	c.add(checkLine{name: "staging", status: checkOK, detail: fmt.Sprintf("%s is writable (a marker object was written and removed)", loc)})
}

// report checks that the report's folder, and SPARKIFY_REPORT_URI when
// set, take files.
func (c *checker) report(ctx context.Context) {
	dir, err := c.writableDir(c.cfg.ReportDir)
	if err != nil {
		var ce *config.Error
		if !errors.As(err, &ce) {
			err = reportWriteError(c.cfg, err)
		}
		c.fail("report", err)
	} else {
		c.add(checkLine{name: "report", status: checkOK, detail: fmt.Sprintf("%s is writable%s", c.cfg.ReportDir, dir)})
	}
	if c.cfg.ReportURI.IsZero() {
		return
	}
	loc := c.cfg.ReportURI.Location
	if err := c.writeMarker(ctx, loc); err != nil {
		c.fail("report URI", uploadError(ctx, c.cfg, err))
		return
	}
	c.add(checkLine{name: "report URI", status: checkOK, detail: fmt.Sprintf("%s is writable (a marker object was written and removed)", loc)})
}

// writableDir writes and removes a marker file in dir or, when dir does not
// exist yet (the report creates it), in its nearest existing parent.
func (c *checker) writableDir(dir string) (string, error) {
	at, note := dir, ""
	for {
		fi, err := os.Stat(at)
		if err == nil {
			if !fi.IsDir() {
				return "", &config.Error{Var: "REPORT_DIR", Msg: fmt.Sprintf("%s is not a folder: choose a folder, or a path where the report may create one", at)}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(at)
		if parent == at {
			return "", err
		}
		at, note = parent, fmt.Sprintf(" (it does not exist yet; the report creates it in %s)", parent)
	}
	f, err := os.CreateTemp(at, ".sparkify-check-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	return note, os.Remove(name)
}

// writeMarker writes a small object under loc and removes it.
func (c *checker) writeMarker(ctx context.Context, loc source.Location) error {
	client, err := c.s3Client(ctx)
	if err != nil {
		return err
	}
	m := loc
	m.Path = path.Join(loc.Path, ".sparkify-check")
	if err := source.PutObject(ctx, client, m, []byte("written by job -phase check, and removed at once\n")); err != nil {
		return err
	}
	return source.DeleteObject(context.WithoutCancel(ctx), client, m)
}

// copyRole checks on redshift what can be checked of the role Redshift
// assumes for COPY without a COPY: that it is set and well formed, and,
// where the job's identity may call redshift:DescribeClusters, that the
// cluster has it attached. Whether Redshift may assume it shows only in a
// COPY (the load's first).
func (c *checker) copyRole(ctx context.Context) {
	if !warehouse.CopiesFromS3(c.cfg.Target) {
		return
	}
	if _, err := warehouse.BuildPlan(sql.FS(), planOptions(c.cfg)); err != nil {
		c.fail("copy", optionError(err))
		return
	}
	c.add(checkLine{name: "copy", status: checkOK, detail: fmt.Sprintf("the COPY settings are well formed (role %s, region %s)", c.cfg.IAMRoleARN, c.cfg.SourceRegion)})
	id, region := clusterOf(c.cfg.DatabaseURL)
	if id == "" {
		c.add(checkLine{name: "copy role", status: checkNotChecked, detail: "whether the cluster has the role attached: SPARKIFY_DATABASE_URL is not a provisioned cluster's endpoint (CLUSTER.xxxx.REGION.redshift.amazonaws.com); the load's first COPY shows it"})
		return
	}
	roles, err := clusterRoles(ctx, id, region)
	if err != nil {
		c.add(checkLine{name: "copy role", status: checkNotChecked, detail: fmt.Sprintf("whether cluster %s has the role attached: redshift:DescribeClusters failed (%v); the load's first COPY shows it, or allow the job's identity redshift:DescribeClusters", id, err)})
		return
	}
	status, attached := roles[c.cfg.IAMRoleARN]
	switch {
	case !attached:
		c.fail("copy role", &config.Error{Var: "IAM_ROLE_ARN", Msg: fmt.Sprintf("%s is not attached to cluster %s, so COPY cannot assume it: run -phase provision (it attaches its role), or aws redshift modify-cluster-iam-roles --cluster-identifier %s --add-iam-roles %s", c.cfg.IAMRoleARN, id, id, c.cfg.IAMRoleARN)})
	case status != "in-sync":
		c.add(checkLine{name: "copy role", status: checkWarning, detail: fmt.Sprintf("attached to cluster %s but %s, not in-sync yet: COPY can assume it once Redshift has applied it", id, status)})
	default:
		c.add(checkLine{name: "copy role", status: checkOK, detail: fmt.Sprintf("attached to cluster %s (in-sync); that its trust policy lets Redshift assume it shows in the load's first COPY", id)})
	}
}

// clusterOf returns the cluster identifier and region of a provisioned
// cluster's endpoint (CLUSTER.xxxx.REGION.redshift.amazonaws.com), or ""
// for any other host.
func clusterOf(databaseURL string) (id, region string) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", ""
	}
	labels := strings.Split(u.Hostname(), ".")
	if n := len(labels); n == 6 && strings.HasSuffix(u.Hostname(), ".redshift.amazonaws.com") {
		return labels[0], labels[2]
	}
	return "", ""
}

// clusterRoles returns the IAM roles attached to a cluster, each with its
// apply status (in-sync, adding, removing).
func clusterRoles(ctx context.Context, id, region string) (map[string]string, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithLogger(awslog.New(nil)))
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	out, err := redshift.NewFromConfig(cfg).DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(id)})
	if err != nil {
		return nil, err
	}
	if len(out.Clusters) != 1 {
		return nil, fmt.Errorf("%d clusters named %s", len(out.Clusters), id)
	}
	roles := map[string]string{}
	for _, r := range out.Clusters[0].IamRoles {
		roles[aws.ToString(r.IamRoleArn)] = aws.ToString(r.ApplyStatus)
	}
	return roles, nil
}
