package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/report"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// runReport runs the report queries, writes the report's files and
// uploads them to SPARKIFY_REPORT_URI when it is set. The clock a.now dates
// the report.
func runReport(ctx context.Context, a phaseArgs) error {
	cfg, log := a.cfg, a.log
	var dest *source.Location
	if !cfg.ReportURI.IsZero() {
		dest = &cfg.ReportURI.Location
	}
	if a.dryRun {
		return printReportPlan(a.stdout, cfg, dest, a.now().UTC())
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	start := a.now()
	data, queries, err := queryReport(ctx, cfg, log)
	if err != nil {
		return err
	}
	queried := a.now()
	log.Info("report queries done", "queries", queries, "duration_ms", queried.Sub(start).Milliseconds())
	generated := queried.UTC()
	warnIfStale(data, generated, cfg.ReportMaxAge, log)
	summary, files, err := report.Write(cfg.ReportDir, report.Summarize(data, generated))
	if err != nil {
		return reportWriteError(cfg, err)
	}
	rendered := a.now()
	for _, f := range files {
		log.Debug("report file written", "file", filepath.Join(cfg.ReportDir, f))
	}
	stdout := textOnly(cfg, a.stdout) // the log line below says it in JSON
	printReportWritten(stdout, cfg, summary)
	if dest != nil {
		if err := uploadReport(ctx, cfg, *dest, generated, files, stdout, log); err != nil {
			return err
		}
	}
	log.Info("report written",
		"dir", cfg.ReportDir,
		"empty", summary.Empty,
		"period", summary.ReportPeriod.Spec,
		"plays", summary.Plays.Total,
		"charts", len(summary.Charts),
		"query_duration_ms", queried.Sub(start).Milliseconds(),
		"render_duration_ms", rendered.Sub(queried).Milliseconds())
	return nil
}

// queryReport connects to the warehouse and runs the report queries
// (collect).
func queryReport(ctx context.Context, cfg config.Config, log *slog.Logger) (report.Data, int, error) {
	conn, err := connect(ctx, cfg)
	if err != nil {
		return report.Data{}, 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	log.Info("running the report queries", "queries", len(report.QueryFiles))
	return collect(ctx, conn, cfg, log)
}

// warnIfStale logs the report's warnings about the loads its data come
// from: the last successful one is older than maxAge, or the last one
// failed.
func warnIfStale(data report.Data, generated time.Time, maxAge time.Duration, log *slog.Logger) {
	if data.Loads == nil {
		return
	}
	data.Loads.CheckFreshness(generated, maxAge)
	for _, w := range data.Loads.Warnings {
		log.Warn("report data may be stale", "warning", w)
	}
}

// printReportWritten prints where the report is and what it covers.
func printReportWritten(stdout io.Writer, cfg config.Config, summary report.Summary) {
	index := filepath.Join(cfg.ReportDir, report.IndexFile)
	switch {
	case summary.Empty && cfg.ReportPeriod.Bounded() && summary.TableRows.Songplays > 0:
		fmt.Fprintf(stdout, "report written to %s: no song plays in %s (%s to %s, SPARKIFY_REPORT_PERIOD=%s)\n",
			index, summary.ReportPeriod.Name, summary.ReportPeriod.From, summary.ReportPeriod.To, summary.ReportPeriod.Spec)
	case summary.Empty:
		fmt.Fprintf(stdout, "report written to %s: no song plays are loaded yet\n", index)
	case cfg.ReportPeriod.Bounded():
		fmt.Fprintf(stdout, "report written to %s: %s (%s to %s), %d song plays from %s to %s, %d charts\n",
			index, summary.ReportPeriod.Name, summary.ReportPeriod.From, summary.ReportPeriod.To,
			summary.Plays.Total, summary.Period.FirstDay, summary.Period.LastDay, len(summary.Charts))
	default:
		fmt.Fprintf(stdout, "report written to %s: %d song plays from %s to %s, %d charts\n",
			index, summary.Plays.Total, summary.Period.FirstDay, summary.Period.LastDay, len(summary.Charts))
	}
}

// uploadReport uploads the report's files to dest: the dated copy, then
// latest/, the stable address of the newest.
func uploadReport(ctx context.Context, cfg config.Config, dest source.Location, generated time.Time, files []string, stdout io.Writer, log *slog.Logger) error {
	client, err := source.NewS3Client(ctx, source.S3Options{Region: cfg.SourceRegion, PathStyle: cfg.S3PathStyle, Timeout: cfg.S3Timeout})
	if err != nil {
		return err
	}
	for _, prefix := range []string{report.DatedPrefix(dest.Path, generated), report.LatestPrefix(dest.Path)} {
		if err := report.Upload(ctx, client, dest.Bucket, prefix, cfg.ReportDir, files); err != nil {
			return uploadError(ctx, cfg, err)
		}
		fmt.Fprintf(stdout, "report uploaded to s3://%s/%s\n", dest.Bucket, prefix)
		log.Info("report uploaded", "destination", "s3://"+dest.Bucket+"/"+prefix, "files", len(files))
	}
	return nil
}

// collect runs the report queries in one read-only REPEATABLE READ
// transaction (Redshift runs every transaction serializable), so that all
// numbers come from the same snapshot even while a load commits.
// It runs within SPARKIFY_REPORT_TIMEOUT: the session's own timeouts cancel
// a statement that runs or waits for a lock too long, and the job's
// deadline bounds the whole. It returns how many queries ran (fewer before
// the first load), each logged at debug level.
func collect(ctx context.Context, conn *pgx.Conn, cfg config.Config, log *slog.Logger) (report.Data, int, error) {
	data, queries, err := collectWithin(ctx, conn, cfg, log)
	var pgErr *pgconn.PgError
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &pgErr) && (pgErr.Code == "57014" || pgErr.Code == "55P03")) {
		return report.Data{}, queries, fmt.Errorf("the report's queries ran past SPARKIFY_REPORT_TIMEOUT (%s; a lock held by another session, or a busy warehouse): %w", cfg.ReportTimeout, err)
	}
	return data, queries, err
}

func collectWithin(ctx context.Context, conn *pgx.Conn, cfg config.Config, log *slog.Logger) (report.Data, int, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.ReportTimeout)
	defer cancel()
	timeouts, err := sql.ReadFile(sql.FS(), string(cfg.Target)+"/report_session.sql")
	if err != nil {
		return report.Data{}, 0, err
	}
	if _, err := conn.Exec(ctx, timeouts[0].SQL, strconv.FormatInt(cfg.ReportTimeout.Milliseconds(), 10)); err != nil {
		return report.Data{}, 0, fmt.Errorf("sql/%s: %w", timeouts[0].File, err)
	}
	stmts, err := report.Statements(sql.FS())
	if err != nil {
		return report.Data{}, 0, err
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return report.Data{}, 0, fmt.Errorf("begin report transaction: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	q := newLoggedQuerier(tx, stmts, log)
	data, err := report.CollectPeriod(ctx, q, sql.FS(), cfg.ReportPeriod)
	if err != nil {
		return report.Data{}, q.queries, err
	}
	if err := tx.Commit(ctx); err != nil {
		return report.Data{}, q.queries, fmt.Errorf("end report transaction: %w", err)
	}
	return data, q.queries, nil
}

// printReportPlan prints what the report would do: the queries, the files
// and the upload destination. It touches no database, file or bucket.
func printReportPlan(w io.Writer, cfg config.Config, dest *source.Location, now time.Time) error {
	stmts, err := report.Statements(sql.FS())
	if err != nil {
		return err
	}
	dryRunHeader(w, "report plan", cfg)
	fmt.Fprintf(w, "-- the queries run in one transaction: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY\n")
	fmt.Fprintf(w, "-- when %s finds fewer than 5 star tables, nothing else runs and the report says no song plays are loaded yet\n", stmts[0].Name)
	fmt.Fprintf(w, "-- period (SPARKIFY_REPORT_PERIOD): %s; $1 and $2 are its first and last day, $3 is 1 for all history\n\n", cfg.ReportPeriod)
	for _, s := range stmts {
		fmt.Fprintf(w, "-- %s/%s\n%s;\n", report.QueryDir, s.Name, s.SQL)
	}
	fmt.Fprintf(w, "-- files written to %s:\n", cfg.ReportDir)
	for _, f := range append(report.ChartFiles(), report.SummaryFile, report.IndexFile) {
		fmt.Fprintf(w, "--   %s\n", f)
	}
	if dest != nil {
		fmt.Fprintf(w, "-- and uploaded to s3://%s/%s\n", dest.Bucket, report.DatedPrefix(dest.Path, now))
	}
	return nil
}

// uploadError names SPARKIFY_REPORT_URI when the bucket cannot be reached or
// written, which the user must fix.
func uploadError(ctx context.Context, cfg config.Config, err error) error {
	if ctx.Err() != nil || errors.Is(err, fs.ErrNotExist) {
		return err // interrupted, or a local file vanished: not the bucket's fault
	}
	if msg := source.Unreachable(err); msg != "" {
		return &config.Error{Var: "REPORT_URI", Msg: fmt.Sprintf("cannot upload to %s: %s", cfg.ReportURI.Location, msg)}
	}
	return err
}

// reportWriteError names SPARKIFY_REPORT_DIR when the folder cannot be
// written, which the user must fix.
func reportWriteError(cfg config.Config, err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return &config.Error{Var: "REPORT_DIR", Msg: fmt.Sprintf("cannot write the report to %s (%v): give the job's user write access (docker run --user $(id -u):$(id -g) for a bind mount) or choose another folder", cfg.ReportDir, err)}
	}
	return err
}
