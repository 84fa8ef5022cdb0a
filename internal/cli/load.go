package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

func runLoad(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger, res *RunResult) error {
	plan, err := warehouse.BuildPlan(sql.FS(), planOptions(cfg))
	if err != nil {
		return optionError(err)
	}
	if dryRun {
		dryRunHeader(stdout, "load plan", cfg)
		return plan.Write(stdout)
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	src := warehouse.NewSources(plan, sourceOptions(cfg), log)
	defer src.Close()
	if err := src.Open(ctx); err != nil {
		return err
	}
	conn, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	sess := warehouse.NewSession(conn)
	if plan, err = src.Select(ctx, sess); err != nil {
		return optionError(err)
	}
	rec := &warehouse.LoadRecord{ID: res.RunID, JobVersion: res.JobVersion, SongData: cfg.SongData.String(), LogData: cfg.LogData.String(), Started: time.Now()}
	sum, err := warehouse.Run(ctx, sess, plan, warehouse.RunOptions{
		LockTimeout: cfg.LockTimeout,
		Log:         log,
		Load:        rec,
		Ledger:      src.Ledger,
		Deleted:     cfg.DeletedSources,
		Malformed:   src.Malformed,
		Stage:       src.Stage,
	})
	if err != nil {
		err = optionError(err)
		if sess.Closed() && ctx.Err() == nil && !errors.Is(err, warehouse.ErrLockTimeout) {
			// Whatever the statement saw (an EOF, a reset, a closed
			// connection), the database is what failed, not the sources.
			// (pgx also closes the connection of a statement whose own
			// context ends, as a lock wait past its timeout does.)
			err = fmt.Errorf("%w %s mid-load (it crashed, restarted, failed over or the network dropped the connection); nothing was committed, run again: %w",
				errDatabaseLost, warehouse.Redact(cfg.DatabaseURL), err)
		}
		recordFailure(ctx, cfg, sess, plan, rec, err, log)
		return err
	}
	reportLoad(cfg, stdout, log, res, rec, sum, src.Errors)
	return nil
}

// planOptions are the load plan's settings.
func planOptions(cfg config.Config) warehouse.Options {
	return warehouse.Options{
		Target:      cfg.Target,
		SongData:    cfg.SongData,
		LogData:     cfg.LogData,
		LogJSONPath: cfg.LogJSONPath,
		Region:      cfg.SourceRegion,
		IAMRoleARN:  cfg.IAMRoleARN,
		MaxErrors:   cfg.MaxErrors,
	}
}

// sourceOptions say how the load reaches its sources.
func sourceOptions(cfg config.Config) warehouse.SourceOptions {
	return warehouse.SourceOptions{
		S3:          source.S3Options{Region: cfg.SourceRegion, PathStyle: cfg.S3PathStyle, Timeout: cfg.S3Timeout},
		Concurrency: cfg.Concurrency,
		StagingURI:  cfg.StagingURI.Location,
		LockTimeout: cfg.LockTimeout,
		FullRefresh: cfg.FullRefresh,
		Deleted:     cfg.DeletedSources,
	}
}

// reportLoad tells what a committed load did: the run result, the summary
// on stdout, and the log.
func reportLoad(cfg config.Config, stdout io.Writer, log *slog.Logger, res *RunResult, rec *warehouse.LoadRecord, sum *warehouse.Summary, errs *source.Errors) {
	skipped := int64(errs.Count()) + sum.Rejected
	var samples []string
	for _, s := range errs.Samples() {
		log.Warn("skipped malformed record", "record", s.Error())
		samples = append(samples, s.Error())
	}
	res.Load, res.steps = loadResult(rec.ID, sum, skipped, samples), sum.Steps
	printSummary(textOnly(cfg, stdout), sum, skipped)
	var staged, tables []any
	for t, s := range sum.Staged {
		staged = append(staged, slog.Group(t, "objects", s.Objects, "records", s.Records))
	}
	for _, t := range warehouse.Tables {
		c := sum.Tables[t]
		tables = append(tables, slog.Group(t, "inserted", c.Inserted, "updated", c.Updated, "deleted", c.Deleted, "rows", c.Rows))
	}
	log.Info("load committed", "duration_ms", sum.Duration.Milliseconds(), "skipped_records", skipped,
		"schema_version", sum.SchemaVersion, slog.Group("staged", staged...), slog.Group("tables", tables...))
}

// dryRunHeader is the first lines of every dry run's output.
func dryRunHeader(w io.Writer, what string, cfg config.Config) {
	db := "(SPARKIFY_DATABASE_URL not set)"
	if cfg.DatabaseURL != "" {
		db = warehouse.Redact(cfg.DatabaseURL)
	}
	fmt.Fprintf(w, "-- %s: target %s, database %s\n-- nothing below was executed (dry run)\n", what, cfg.Target, db)
}

// optionError names the variable behind an option value the load refused.
func optionError(err error) error {
	var ve *warehouse.ValueError
	if errors.As(err, &ve) {
		return &config.Error{Var: config.Variable(ve.Option), Msg: ve.Msg}
	}
	return err
}

func printSummary(w io.Writer, sum *warehouse.Summary, skipped int64) {
	fmt.Fprintf(w, "load committed in %s (schema version %d)\n", sum.Duration.Round(1e6), sum.SchemaVersion)
	for _, t := range []string{"staging_songs", "staging_events"} {
		s := sum.Staged[t]
		fmt.Fprintf(w, "  %-15s %7d objects %9d records\n", t, s.Objects, s.Records)
	}
	for _, t := range []string{"staging_songs", "staging_events"} {
		c := sum.Sources[t]
		fmt.Fprintf(w, "  %-15s objects: %d new, %d changed, %d skipped (loaded before)\n", t, c.New, c.Changed, c.Skipped)
		switch {
		case c.Retracted > 0:
			fmt.Fprintf(w, "  %-15s objects: %d deleted from the source, their rows removed (SPARKIFY_DELETED_SOURCES=retract)\n", t, c.Retracted)
		case c.Deleted > 0:
			fmt.Fprintf(w, "  %-15s objects: %d deleted from the source, their rows kept (SPARKIFY_DELETED_SOURCES=keep)\n", t, c.Deleted)
		}
	}
	fmt.Fprintf(w, "  malformed records skipped: %d\n", skipped)
	fmt.Fprintf(w, "  %-10s %9s %9s %9s\n", "table", "inserted", "updated", "rows")
	for _, t := range warehouse.Tables {
		c := sum.Tables[t]
		fmt.Fprintf(w, "  %-10s %9d %9d %9d\n", t, c.Inserted, c.Updated, c.Rows)
	}
	// Where the time went: the slowest steps (every step is in the log and
	// the run result).
	steps := slices.Clone(sum.Steps)
	slices.SortStableFunc(steps, func(a, b warehouse.StepTiming) int { return cmp.Compare(b.Duration, a.Duration) })
	fmt.Fprintf(w, "  slowest steps:\n")
	for _, st := range steps[:min(3, len(steps))] {
		fmt.Fprintf(w, "  %9s  %s\n", st.Duration.Round(time.Millisecond), st.Name)
	}
}

// connect opens the warehouse connection. A host that does not exist, a
// refused login or database and a certificate that does not verify are
// configuration problems the user must fix; a server that refuses the
// connection, drops it or does not answer is transient.
func connect(ctx context.Context, cfg config.Config) (*pgx.Conn, error) {
	conn, err := warehouse.Connect(ctx, cfg.Target, cfg.DatabaseURL, connectOptions(cfg)...)
	switch {
	case err == nil:
		return conn, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.As(err, new(*config.Error)):
		return nil, err // SPARKIFY_REDSHIFT_AUTH=iam could not get credentials
	case connectionUnusable(err):
		return nil, &config.Error{Var: "DATABASE_URL", Msg: fmt.Sprintf("cannot connect to %s: %v; check host, port, user, password and database name (for the postgres target, -phase provision creates the database)", warehouse.Redact(cfg.DatabaseURL), err)}
	}
	return nil, fmt.Errorf("cannot connect to %s (it may be down or busy; run again): %w", warehouse.Redact(cfg.DatabaseURL), err)
}

// sourceError turns a source the user pointed at wrongly into a
// configuration error naming the variable.
func sourceError(variable string, loc source.Location, err error) error {
	return optionError(warehouse.SourceError(variable, loc, err))
}
