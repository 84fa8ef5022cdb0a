package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// StageFunc fills one staging table inside the load's transaction.
type StageFunc func(ctx context.Context, tx pgx.Tx, st *Stage) (StageStats, error)

// StageStats are the counts of one staged source.
type StageStats struct {
	Objects int64
	Records int64
}

// TableCounts are the changes to one star table.
type TableCounts struct {
	Inserted int64
	Updated  int64
	// Deleted counts the rows removed for good: their every record went
	// with a changed or retracted source object.
	Deleted int64
	Rows    int64
}

// Summary describes a finished load.
type Summary struct {
	SchemaVersion int
	// Executed lists the statements run, in order (migrations only when
	// applied; staging by binary COPY is not a statement).
	Executed []sql.Statement
	Staged   map[string]StageStats
	// Rejected counts the rows Redshift's COPY skipped under MAXERROR.
	Rejected int64
	Tables   map[string]*TableCounts
	// Sources counts each staging table's source objects: new, changed
	// (both staged) and skipped (already in the ledger).
	Sources map[string]ObjectCounts
	// Steps are the plan's steps with how long each took, in order.
	Steps    []StepTiming
	Duration time.Duration
}

// StepTiming is how long one step of a load took.
type StepTiming struct {
	Name     string
	Duration time.Duration
}

// BookkeepingTimeout bounds the short statements outside a load's own long
// work (probing, reading the ledger, recording a failure): a database that
// stops answering then fails the load (exit 75) instead of holding it.
const BookkeepingTimeout = 2 * time.Minute

// ProgressInterval is how often a long step logs that it is still running.
var ProgressInterval = 5 * time.Second

// stillRunning logs every ProgressInterval that the step is still running,
// until the returned stop is called.
func stillRunning(log *slog.Logger, step string, start time.Time) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Info("step still running", "step", step, "elapsed_ms", time.Since(start).Milliseconds())
			}
		}
	}()
	return func() { close(done) }
}

// RunOptions tune the runner.
type RunOptions struct {
	// LockTimeout bounds the wait for another load's lock; it must be
	// positive (SPARKIFY_LOCK_TIMEOUT, validated by config).
	LockTimeout time.Duration
	// Stage fills staging tables for StepStage steps.
	Stage StageFunc
	Log   *slog.Logger
	// Load, when set, is written to sparkify_loads in the load's
	// transaction.
	Load *LoadRecord
	// Malformed counts the records the stager skipped (Postgres target).
	Malformed func() int64
	// Ledger, when set, decides which objects the load stages (Postgres:
	// it filters the stages' stores; Redshift: the caller built the
	// manifests with it), and the objects taken are recorded in the load's
	// transaction. Without one, the load rebuilds the star tables.
	Ledger *Ledger
	// Deleted is what becomes of the rows of source objects that are gone
	// (Postgres: the runner asks the ledger once a stage is listed;
	// Redshift: the caller did when it listed the sources).
	Deleted DeletedSources
}

// LoadRecord is what sparkify_loads keeps of a load besides its counts.
type LoadRecord struct {
	ID         string
	JobVersion string
	SongData   string
	LogData    string
	Started    time.Time
}

// timestampText is how times are passed to the SQL (cast to TIMESTAMP).
const timestampText = "2006-01-02 15:04:05.000000"

// RecordFailure writes a failed load's row in sparkify_loads, on its own,
// after the rollback. It does nothing when the table does not exist yet (a
// first load that failed before its migrations committed).
func RecordFailure(ctx context.Context, conn *pgx.Conn, p *Plan, rec *LoadRecord, class string, cause error) error {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	msg = strings.ToValidUTF8(msg, "?")
	_, err := conn.Exec(ctx, p.LoadFailed.SQL, rec.ID, rec.Started.UTC().Format(timestampText), time.Now().UTC().Format(timestampText),
		rec.JobVersion, rec.SongData, rec.LogData, class, msg)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
		return nil
	}
	return err
}

// ErrLockTimeout means another load held the lock for too long.
var ErrLockTimeout = errors.New("another load is still running")

// CheckError is a failed quality check.
type CheckError struct {
	Check string
	File  string
	Count int64
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("quality check failed: %d %s (sql/%s); nothing was committed", e.Count, e.Check, e.File)
}

// Run executes the plan in one transaction on conn. On any error, and when
// ctx is cancelled, the transaction is rolled back and the star tables are
// left as they were.
func Run(ctx context.Context, conn *pgx.Conn, p *Plan, o RunOptions) (sum *Summary, err error) {
	start := time.Now()
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum = &Summary{Staged: map[string]StageStats{}, Tables: map[string]*TableCounts{}, Sources: map[string]ObjectCounts{}}
	for _, t := range Tables {
		sum.Tables[t] = &TableCounts{}
	}
	metrics := map[string]int64{}

	var bk *LoadBookkeeping // Redshift's load bookkeeping, once probed
	lastCopy := int64(-1)   // the query id of the load's last successful COPY
	var started copyStart   // the session and time of the load's latest COPY
	if p.Target == Redshift {
		if bk, err = bookkeeping(ctx, conn, p, log); err != nil {
			return nil, err
		}
	}
	for _, s := range p.Setup {
		if _, err := conn.Exec(ctx, s.SQL); err != nil {
			return nil, stmtError(s, err)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	var failedCopy bool
	defer func() {
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if rerr := tx.Rollback(rctx); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) && !conn.IsClosed() {
				log.Warn("rollback failed; the server discards the transaction when the connection closes", "error", rerr)
			}
			log.Info("load rolled back; the star tables are unchanged")
			if failedCopy && bk != nil && ctx.Err() == nil && !conn.IsClosed() {
				err = copyDetails(rctx, conn, bk, p.MaxErrors, started, err)
			}
		}
	}()
	exec := func(ctx context.Context, s sql.Statement) (pgconn.CommandTag, error) {
		if s.Copy != "" {
			s.SQL = strings.ReplaceAll(s.SQL, maxErrorPlaceholder, p.MaxErrorClause(sum.Rejected))
			var err error
			if started, err = readCopyStart(ctx, tx, bk, lastCopy); err != nil {
				return pgconn.CommandTag{}, err
			}
		}
		tag, err := tx.Exec(ctx, s.SQL)
		if err != nil {
			failedCopy = s.Copy != ""
			return tag, stmtError(s, err)
		}
		sum.Executed = append(sum.Executed, s)
		return tag, nil
	}

	version := -1
	do := func(st Step) error {
		switch st.Kind {
		case StepExec:
			s := st.Stmts[0]
			tag, err := exec(ctx, s)
			if err != nil {
				return err
			}
			if s.Metric != "" {
				metrics[s.Metric] += tag.RowsAffected()
			}
			if s.Copy != "" {
				before := sum.Rejected
				id, err := copyStats(ctx, tx, bk, s.Copy, sum)
				if err != nil {
					return err
				}
				lastCopy = id
				var details []LoadError
				if sum.Rejected > before {
					details = logSkipped(ctx, tx, bk, started, log)
				}
				// The job keeps the budget itself: MAXERROR's boundary
				// ("n errors or greater" or "more than n") is Redshift's
				// to read, and either way no more than MaxErrors records
				// may be skipped.
				if skipped := sum.Rejected + malformed(o); skipped > int64(p.MaxErrors) {
					return budgetError(p.MaxErrors, details)
				}
			}
		case StepLock:
			if err := lock(ctx, tx, st.Stmts[0], o.LockTimeout, log); err != nil {
				return err
			}
			sum.Executed = append(sum.Executed, st.Stmts[0])
		case StepMigration:
			if version < 0 {
				if err := tx.QueryRow(ctx, p.ReadVersion.SQL).Scan(&version); err != nil {
					return fmt.Errorf("read schema version: %w", err)
				}
			}
			if st.Version <= version {
				return nil
			}
			for _, s := range st.Stmts {
				if _, err := exec(ctx, s); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, p.RecordVersion(st.Version).SQL); err != nil {
				return fmt.Errorf("record schema version %d: %w", st.Version, err)
			}
			log.Info("schema migrated", "version", st.Version, "file", "sql/"+st.Stmts[0].File)
			version = st.Version
		case StepStage:
			stage := st.Stage
			if o.Ledger != nil && stage.Store != nil {
				copied := *stage
				copied.Store = o.Ledger.Filter(stage.Table, stage.Store)
				stage = &copied
			}
			stats, err := o.Stage(ctx, tx, stage)
			if err != nil {
				return err
			}
			if o.Ledger != nil && !o.Ledger.Rebuild() {
				if err := o.Ledger.Deleted(ctx, tx, stage.Table, stage.Location, o.Deleted); err != nil {
					return err
				}
			}
			sum.Staged[st.Stage.Table] = stats
			log.Info("staged", "table", st.Stage.Table, "source", st.Stage.Location.String(), "objects", stats.Objects, "records", stats.Records)
		case StepCheck:
			s := st.Stmts[0]
			var n *int64
			if err := tx.QueryRow(ctx, s.SQL).Scan(&n); err != nil {
				return stmtError(s, err)
			}
			sum.Executed = append(sum.Executed, s)
			if n != nil && *n != 0 {
				return &CheckError{Check: s.Check, File: s.File, Count: *n}
			}
		case StepCount:
			if err := tx.QueryRow(ctx, st.Stmts[0].SQL).Scan(&sum.Tables[st.Table].Rows); err != nil {
				return stmtError(st.Stmts[0], err)
			}
			sum.Executed = append(sum.Executed, st.Stmts[0])
		}
		return nil
	}
	// A star table's rows after the load are those the last committed load
	// recorded plus the rows this load inserted, less those it deleted:
	// counting every table would make each load cost what the warehouse
	// holds. A rebuild counts every table instead.
	rebuild := o.Ledger.Rebuild()
	transforms := 0 // 1: run, -1: skipped (the load replaces no object)
	var lastRows map[string]int64
	for _, st := range p.Steps {
		if st.OnStaged && transforms == 0 {
			transforms = -1
			if rebuild || o.Ledger.Changes() {
				transforms = 1
				if err := o.Ledger.writeObjects(ctx, tx, p.Ledger); err != nil {
					return nil, err
				}
			} else {
				log.Info("no source object is new, changed or retracted: transforms and checks skipped, the star tables are unchanged")
			}
		}
		if st.OnStaged && (transforms < 0 || st.Rebuild && !rebuild) {
			continue
		}
		if st.Kind == StepCount && (!rebuild || transforms < 0) {
			if lastRows == nil {
				if lastRows, err = readLastRows(ctx, tx, p); err != nil {
					return nil, err
				}
			}
			if n, ok := lastRows[st.Table]; ok {
				sum.Tables[st.Table].Rows = n + net(metrics, st.Table)
				continue
			}
		}
		name := st.Name()
		t0 := time.Now()
		stop := stillRunning(log, name, t0)
		err := do(st)
		stop()
		if err != nil {
			return nil, err
		}
		d := time.Since(t0)
		sum.Steps = append(sum.Steps, StepTiming{Name: name, Duration: d})
		log.Debug("step done", "step", name, "duration_ms", d.Milliseconds())
	}
	sum.SchemaVersion = version
	for _, t := range Tables {
		c := sum.Tables[t]
		// A row replaced (deleted, then written again) is an update; so is
		// a row updated in place.
		c.Updated = metrics[t+".replaced"] + metrics[t+".updated"]
		c.Inserted = inserted(metrics, t)
		c.Deleted = metrics[t+".deleted"]
	}
	if o.Ledger != nil && o.Load != nil && transforms > 0 {
		if err := o.Ledger.write(ctx, tx, p.Ledger, o.Load.ID); err != nil {
			return nil, err
		}
	}
	if o.Ledger != nil {
		for _, t := range []string{"staging_songs", "staging_events"} {
			sum.Sources[t] = o.Ledger.Counts(t)
		}
	}
	if o.Load != nil {
		if err := recordLoad(ctx, tx, p, o, sum); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

// readLastRows returns the row counts of the last committed load, by
// table, or an empty map when there is none or it did not record them.
func readLastRows(ctx context.Context, tx pgx.Tx, p *Plan) (map[string]int64, error) {
	rows := make([]*int64, len(Tables))
	dst := make([]any, len(Tables))
	for i := range rows {
		dst[i] = &rows[i]
	}
	err := tx.QueryRow(ctx, p.LastRows.SQL).Scan(dst...)
	if errors.Is(err, pgx.ErrNoRows) {
		return map[string]int64{}, nil
	}
	if err != nil {
		return nil, stmtError(p.LastRows, err)
	}
	out := map[string]int64{}
	for i, t := range Tables {
		if rows[i] == nil {
			return map[string]int64{}, nil
		}
		out[t] = *rows[i]
	}
	return out, nil
}

// inserted is the rows a load added to table: those it wrote, less those
// it deleted to write them again.
func inserted(metrics map[string]int64, table string) int64 {
	return metrics[table+".written"] - metrics[table+".replaced"]
}

// net is how many rows table gained in the load: those it inserted, less
// those it deleted for good (their source objects changed or went).
func net(metrics map[string]int64, table string) int64 {
	return inserted(metrics, table) - metrics[table+".deleted"]
}

// recordLoad writes the load's row in sparkify_loads, in its transaction.
func recordLoad(ctx context.Context, tx pgx.Tx, p *Plan, o RunOptions, sum *Summary) error {
	var objects, records int64
	for _, s := range sum.Staged {
		objects += s.Objects
		records += s.Records
	}
	skipped := sum.Rejected
	if o.Malformed != nil {
		skipped += o.Malformed()
	}
	t := sum.Tables
	r := o.Load
	_, err := tx.Exec(ctx, p.LoadCommitted.SQL, r.ID, r.Started.UTC().Format(timestampText), time.Now().UTC().Format(timestampText),
		r.JobVersion, r.SongData, r.LogData, objects, records, skipped,
		t["songplays"].Inserted, t["songplays"].Updated, t["users"].Inserted, t["users"].Updated,
		t["songs"].Inserted, t["songs"].Updated, t["artists"].Inserted, t["artists"].Updated, t["time"].Inserted,
		t["songplays"].Rows, t["users"].Rows, t["songs"].Rows, t["artists"].Rows, t["time"].Rows)
	if err != nil {
		return stmtError(p.LoadCommitted, err)
	}
	return nil
}

// copyStats records what Redshift counted for the COPY that just ran and
// returns its query id.
func copyStats(ctx context.Context, tx pgx.Tx, bk *LoadBookkeeping, table string, sum *Summary) (int64, error) {
	var id, rows, files, rejected int64
	for _, q := range []struct {
		s   sql.Statement
		dst *int64
	}{{bk.CopyID, &id}, {bk.Rows, &rows}, {bk.Files, &files}, {bk.Rejected, &rejected}} {
		if err := tx.QueryRow(ctx, q.s.SQL).Scan(q.dst); err != nil {
			return 0, stmtError(q.s, err)
		}
	}
	sum.Staged[table] = StageStats{Records: rows, Objects: files}
	sum.Rejected += rejected
	return id, nil
}

// logSkipped logs the rows Redshift skipped in the COPY that just ran
// (within MAXERROR), as the Postgres stager logs its malformed records,
// and returns them.
func logSkipped(ctx context.Context, tx pgx.Tx, bk *LoadBookkeeping, c copyStart, log *slog.Logger) []LoadError {
	details, err := loadErrors(ctx, tx, bk.LoadErrors, c.args()...)
	if err != nil {
		log.Warn("could not read the skipped rows", "table", tableIn(bk.LoadErrors.SQL), "error", err)
	}
	for _, d := range details {
		log.Warn("skipped malformed record", "record", d.String())
	}
	return details
}

// malformed is the records the Postgres stager skipped so far (0 on
// Redshift, whose COPY does not count them here).
func malformed(o RunOptions) int64 {
	if o.Malformed == nil {
		return 0
	}
	return o.Malformed()
}

// budgetError is the error of a load that skipped more records than
// SPARKIFY_MAX_ERRORS allows: the Postgres stager's, with the rows
// Redshift recorded as samples.
func budgetError(maxErrors int, details []LoadError) error {
	e := &source.TooManyErrors{Max: maxErrors}
	for _, d := range details {
		e.Samples = append(e.Samples, &source.RecordError{URI: d.File, Line: int(d.Line),
			Err: fmt.Errorf("column %s: %s (error %d, value %q)", d.Column, d.Reason, d.Code, d.Value)})
	}
	return e
}

// bookkeeping probes, before the load's transaction, which of Redshift's
// load records the warehouse has: the STL tables of a provisioned cluster,
// or only the SYS views of Redshift Serverless.
func bookkeeping(ctx context.Context, conn *pgx.Conn, p *Plan, log *slog.Logger) (*LoadBookkeeping, error) {
	ctx, cancel := context.WithTimeout(ctx, BookkeepingTimeout)
	defer cancel()
	_, err := conn.Exec(ctx, p.Probe.SQL)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return p.Provisioned, nil
	case errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "42501"):
		log.Info("no STL tables (Redshift Serverless): load counts and errors come from the SYS views", "error", pgErr.Message)
		return p.Serverless, nil
	}
	return nil, stmtError(p.Probe, err)
}

func lock(ctx context.Context, tx pgx.Tx, s sql.Statement, timeout time.Duration, log *slog.Logger) error {
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	waiting := time.AfterFunc(2*time.Second, func() {
		log.Info("waiting for another load to finish", "timeout", timeout)
	})
	defer waiting.Stop()
	_, err := tx.Exec(lctx, s.SQL)
	if err != nil && ctx.Err() == nil && lctx.Err() != nil {
		return fmt.Errorf("%w: gave up waiting for its lock after %s (SPARKIFY_LOCK_TIMEOUT)", ErrLockTimeout, timeout)
	}
	if err != nil {
		return stmtError(s, err)
	}
	return nil
}

// stmtError names the SQL file and the statement's first line.
func stmtError(s sql.Statement, err error) error {
	first := sql.StripComments(s.SQL)
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Detail != "" {
		return fmt.Errorf("sql/%s (%s): %w (%s)", s.File, first, err, pgErr.Detail)
	}
	return fmt.Errorf("sql/%s (%s): %w", s.File, first, err)
}
