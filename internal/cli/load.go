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

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

func runLoad(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger, res *RunResult) error {
	opts := warehouse.Options{
		Target:      cfg.Target,
		SongData:    cfg.SongData,
		LogData:     cfg.LogData,
		LogJSONPath: cfg.LogJSONPath,
		Region:      cfg.SourceRegion,
		IAMRoleARN:  cfg.IAMRoleARN,
		MaxErrors:   cfg.MaxErrors,
	}
	plan, err := warehouse.BuildPlan(sql.FS(), opts)
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
	if cfg.Target == warehouse.Postgres {
		// The sources are listed in the background while the job connects,
		// reads the ledger and begins the transaction.
		if err := openStores(ctx, cfg, plan.Stages()); err != nil {
			return err
		}
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for _, st := range plan.Stages() {
			st.Store = source.Prefetch(lctx, st.Store)
		}
	}
	conn, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Without a staging location Redshift's COPY reads whole prefixes:
	// every load is then a full one.
	full := cfg.FullRefresh || (cfg.Target == warehouse.Redshift && cfg.StagingURI.IsZero())
	ledger, err := warehouse.ReadLedger(ctx, conn, plan, full)
	if err != nil {
		return err
	}
	if cfg.Target == warehouse.Redshift {
		cleanup, err := copySources(ctx, cfg, &opts, ledger, conn, log)
		if err == nil && ledger.Replaces() {
			// Redshift's COPY cannot tell which object a row came from, so
			// the rows of a changed or retracted object cannot be found:
			// the load rebuilds from every object as it is now.
			log.Info("a source object changed or was retracted: Redshift rebuilds the star tables from every object")
			if cleanup != nil {
				cleanup()
			}
			opts.SongManifest, opts.LogManifest, opts.NoSongs, opts.NoLogs = "", "", false, false
			listed := ledger
			if ledger, err = warehouse.ReadLedger(ctx, conn, plan, true); err != nil {
				return err
			}
			cleanup, err = copySources(ctx, cfg, &opts, ledger, conn, log)
			ledger.ReportAs(listed)
		}
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil {
			return err
		}
		if plan, err = warehouse.BuildPlan(sql.FS(), opts); err != nil {
			return optionError(err)
		}
	}

	errs := source.NewErrors(cfg.MaxErrors)
	stager := warehouse.CopyStager(cfg.Concurrency, errs, log)
	rec := &warehouse.LoadRecord{ID: res.RunID, JobVersion: res.JobVersion, SongData: cfg.SongData.String(), LogData: cfg.LogData.String(), Started: time.Now()}
	sum, err := warehouse.Run(ctx, conn, plan, warehouse.RunOptions{
		LockTimeout: cfg.LockTimeout,
		Log:         log,
		Load:        rec,
		Ledger:      ledger,
		Deleted:     cfg.DeletedSources,
		Malformed:   func() int64 { return int64(errs.Count()) },
		Stage: func(ctx context.Context, tx pgx.Tx, st *warehouse.Stage) (warehouse.StageStats, error) {
			stats, err := stager(ctx, tx, st)
			variable := "SONG_DATA"
			if st.Table == "staging_events" {
				variable = "LOG_DATA"
			}
			return stats, sourceError(variable, st.Location, err)
		},
	})
	if err != nil {
		if conn.IsClosed() && ctx.Err() == nil && !errors.Is(err, warehouse.ErrLockTimeout) {
			// Whatever the statement saw (an EOF, a reset, a closed
			// connection), the database is what failed, not the sources.
			// (pgx also closes the connection of a statement whose own
			// context ends, as a lock wait past its timeout does.)
			err = fmt.Errorf("%w %s mid-load (it crashed, restarted, failed over or the network dropped the connection); nothing was committed, run again: %w",
				errDatabaseLost, warehouse.Redact(cfg.DatabaseURL), err)
		}
		recordFailure(ctx, cfg, conn, plan, rec, err, log)
		return err
	}
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
	return nil
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

// openStores opens the store of every stage the job fills itself (the
// Postgres target), creating the S3 client once, only when a source is in S3.
func openStores(ctx context.Context, cfg config.Config, stages []*warehouse.Stage) error {
	var client *s3.Client
	for _, st := range stages {
		if st.Location.Scheme == "s3" && client == nil {
			c, err := source.NewS3Client(ctx, source.S3Options{Region: cfg.SourceRegion, PathStyle: cfg.S3PathStyle, Timeout: cfg.S3Timeout})
			if err != nil {
				return err
			}
			client = c
		}
		store, err := source.Open(st.Location, client, cfg.S3Timeout)
		if err != nil {
			return err
		}
		st.Store = store
	}
	return nil
}
