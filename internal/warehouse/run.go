package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sparkify/warehouse/sql"
)

// StageFunc fills one staging table inside the load's transaction: the
// job's own staging, for engines that stream the rows from the client.
type StageFunc func(ctx context.Context, tx Tx, st *Stage) (StageStats, error)

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
const ProgressInterval = 5 * time.Second

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
	// Stage fills the staging tables the job streams itself (Postgres;
	// Sources.Stage).
	Stage StageFunc
	Log   *slog.Logger
	// Load, when set, is written to sparkify_loads in the load's
	// transaction.
	Load *LoadRecord
	// Malformed counts the records the job's own staging skipped.
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
func RecordFailure(ctx context.Context, s Session, p *Plan, rec *LoadRecord, class string, cause error) error {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	msg = strings.ToValidUTF8(msg, "?")
	_, err := s.Exec(ctx, p.LoadFailed.SQL, rec.ID, rec.Started.UTC().Format(timestampText), time.Now().UTC().Format(timestampText),
		rec.JobVersion, rec.SongData, rec.LogData, class, msg)
	if errors.Is(err, ErrUndefinedTable) {
		return nil
	}
	return err
}

// CheckError is a failed quality check.
type CheckError struct {
	Check string
	File  string
	Count int64
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("quality check failed: %d %s (sql/%s); nothing was committed", e.Count, e.Check, e.File)
}

// runner is one load: the plan's steps, run in one transaction.
type runner struct {
	s       Session
	tx      Tx
	p       *Plan
	o       RunOptions
	log     *slog.Logger
	stager  stager
	sum     *Summary
	metrics map[string]int64 // rows by the statements' -- metric: names
	version int              // the schema version, once read
	// transforms is 1 once the transforms run, -1 when the load replaces
	// no object and they are skipped, 0 before the first of them.
	transforms int
	lastRows   map[string]int64
}

// Run executes the plan in one transaction on s. On any error, and when
// ctx is cancelled, the transaction is rolled back and the star tables are
// left as they were.
func Run(ctx context.Context, s Session, p *Plan, o RunOptions) (sum *Summary, err error) {
	start := time.Now()
	r := newRunner(s, p, o)
	if r.stager, err = p.engine.stager(ctx, s, p, r.log); err != nil {
		return nil, err
	}
	for _, st := range p.Setup {
		if _, err := s.Exec(ctx, st.SQL); err != nil {
			return nil, stmtError(st, err)
		}
	}
	if r.tx, err = s.Begin(ctx); err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			err = r.rollback(ctx, err)
		}
	}()
	for _, st := range p.Steps {
		if err := r.run(ctx, st); err != nil {
			return nil, err
		}
	}
	if err := r.finish(ctx); err != nil {
		return nil, err
	}
	if err := r.tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	r.sum.Duration = time.Since(start)
	return r.sum, nil
}

func newRunner(s Session, p *Plan, o RunOptions) *runner {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum := &Summary{Staged: map[string]StageStats{}, Tables: map[string]*TableCounts{}, Sources: map[string]ObjectCounts{}}
	for _, t := range Tables {
		sum.Tables[t] = &TableCounts{}
	}
	return &runner{s: s, p: p, o: o, log: log, sum: sum, metrics: map[string]int64{}, version: -1}
}

// rollback ends a failed load: the transaction is rolled back, and the
// engine adds what it knows of the failure.
func (r *runner) rollback(ctx context.Context, err error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if rerr := r.tx.Rollback(rctx); rerr != nil && !r.s.Closed() {
		r.log.Warn("rollback failed; the server discards the transaction when the connection closes", "error", rerr)
	}
	r.log.Info("load rolled back; the star tables are unchanged")
	return r.stager.failed(ctx, rctx, r.s, err)
}

// run runs one step, timed, unless the load skips it.
func (r *runner) run(ctx context.Context, st Step) error {
	skip, err := r.skips(ctx, st)
	if skip || err != nil {
		return err
	}
	name := st.Name()
	t0 := time.Now()
	stop := stillRunning(r.log, name, t0)
	err = r.step(ctx, st)
	stop()
	if err != nil {
		return err
	}
	d := time.Since(t0)
	r.sum.Steps = append(r.sum.Steps, StepTiming{Name: name, Duration: d})
	r.log.Debug("step done", "step", name, "duration_ms", d.Milliseconds())
	return nil
}

// skips decides whether the load skips a step. At the first transform it
// decides whether the transforms run at all: a load that replaces no
// object skips them, and only a rebuild runs the rebuild's statements. A
// star table's rows after the load are those the last committed load
// recorded plus the rows this load inserted, less those it deleted:
// counting every table would make each load cost what the warehouse
// holds. A rebuild counts every table instead.
func (r *runner) skips(ctx context.Context, st Step) (bool, error) {
	rebuild := r.o.Ledger.Rebuild()
	if st.OnStaged && r.transforms == 0 {
		if err := r.startTransforms(ctx, rebuild); err != nil {
			return false, err
		}
	}
	if st.OnStaged && (r.transforms < 0 || st.Rebuild && !rebuild) {
		return true, nil
	}
	if st.Kind != StepCount || (rebuild && r.transforms >= 0) {
		return false, nil
	}
	if r.lastRows == nil {
		var err error
		if r.lastRows, err = readLastRows(ctx, r.tx, r.p); err != nil {
			return false, err
		}
	}
	n, ok := r.lastRows[st.Table]
	if ok {
		r.sum.Tables[st.Table].Rows = n + net(r.metrics, st.Table)
	}
	return ok, nil
}

// startTransforms decides whether the transforms run, and when they do
// writes the objects they work on (load_objects).
func (r *runner) startTransforms(ctx context.Context, rebuild bool) error {
	if !rebuild && !r.o.Ledger.Changes() {
		r.transforms = -1
		r.log.Info("no source object is new, changed or retracted: transforms and checks skipped, the star tables are unchanged")
		return nil
	}
	r.transforms = 1
	return r.o.Ledger.writeObjects(ctx, r.tx, r.p.Ledger)
}

// step runs one step of the plan in the load's transaction.
func (r *runner) step(ctx context.Context, st Step) error {
	switch st.Kind {
	case StepExec:
		return r.exec(ctx, st.Stmts[0])
	case StepLock:
		if err := lock(ctx, r.tx, st.Stmts[0], r.o.LockTimeout, r.log); err != nil {
			return err
		}
		r.sum.Executed = append(r.sum.Executed, st.Stmts[0])
	case StepMigration:
		return r.migrate(ctx, st)
	case StepStage:
		return r.stager.stage(ctx, r, st)
	case StepCheck:
		return r.check(ctx, st.Stmts[0])
	case StepCount:
		if err := r.tx.QueryRow(ctx, st.Stmts[0].SQL).Scan(&r.sum.Tables[st.Table].Rows); err != nil {
			return stmtError(st.Stmts[0], err)
		}
		r.sum.Executed = append(r.sum.Executed, st.Stmts[0])
	}
	return nil
}

// exec runs a statement and adds the rows it affected to its metric.
func (r *runner) exec(ctx context.Context, s sql.Statement) error {
	n, err := r.tx.Exec(ctx, s.SQL)
	if err != nil {
		return stmtError(s, err)
	}
	r.sum.Executed = append(r.sum.Executed, s)
	if s.Metric != "" {
		r.metrics[s.Metric] += n
	}
	return nil
}

// migrate applies a migration the schema does not have yet.
func (r *runner) migrate(ctx context.Context, st Step) error {
	if r.version < 0 {
		if err := r.tx.QueryRow(ctx, r.p.ReadVersion.SQL).Scan(&r.version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
	}
	if st.Version <= r.version {
		return nil
	}
	for _, s := range st.Stmts {
		if _, err := r.tx.Exec(ctx, s.SQL); err != nil {
			return stmtError(s, err)
		}
		r.sum.Executed = append(r.sum.Executed, s)
	}
	if _, err := r.tx.Exec(ctx, r.p.RecordVersion(st.Version).SQL); err != nil {
		return fmt.Errorf("record schema version %d: %w", st.Version, err)
	}
	r.log.Info("schema migrated", "version", st.Version, "file", "sql/"+st.Stmts[0].File)
	r.version = st.Version
	return nil
}

// check runs a quality check, which must count 0.
func (r *runner) check(ctx context.Context, s sql.Statement) error {
	var n *int64
	if err := r.tx.QueryRow(ctx, s.SQL).Scan(&n); err != nil {
		return stmtError(s, err)
	}
	r.sum.Executed = append(r.sum.Executed, s)
	if n != nil && *n != 0 {
		return &CheckError{Check: s.Check, File: s.File, Count: *n}
	}
	return nil
}

// finish completes the summary and writes the ledger and the load's row,
// in the load's transaction.
func (r *runner) finish(ctx context.Context) error {
	r.sum.SchemaVersion = r.version
	for _, t := range Tables {
		c := r.sum.Tables[t]
		// A row replaced (deleted, then written again) is an update; so is
		// a row updated in place.
		c.Updated = r.metrics[t+".replaced"] + r.metrics[t+".updated"]
		c.Inserted = inserted(r.metrics, t)
		c.Deleted = r.metrics[t+".deleted"]
	}
	l := r.o.Ledger
	if l != nil && r.o.Load != nil && r.transforms > 0 {
		if err := l.write(ctx, r.tx, r.p.Ledger, r.o.Load.ID); err != nil {
			return err
		}
	}
	if l != nil {
		for _, t := range []string{"staging_songs", "staging_events"} {
			r.sum.Sources[t] = l.Counts(t)
		}
	}
	if r.o.Load != nil {
		return recordLoad(ctx, r.tx, r.p, r.o, r.sum)
	}
	return nil
}

// malformed is the records the job's own staging skipped so far.
func (r *runner) malformed() int64 {
	if r.o.Malformed == nil {
		return 0
	}
	return r.o.Malformed()
}

// readLastRows returns the row counts of the last committed load, by
// table, or an empty map when there is none or it did not record them.
func readLastRows(ctx context.Context, tx Queries, p *Plan) (map[string]int64, error) {
	rows := make([]*int64, len(Tables))
	dst := make([]any, len(Tables))
	for i := range rows {
		dst[i] = &rows[i]
	}
	err := tx.QueryRow(ctx, p.LastRows.SQL).Scan(dst...)
	if errors.Is(err, ErrNoRows) {
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
func recordLoad(ctx context.Context, tx Queries, p *Plan, o RunOptions, sum *Summary) error {
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

func lock(ctx context.Context, tx Queries, s sql.Statement, timeout time.Duration, log *slog.Logger) error {
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
	var dbErr *DBError
	if errors.As(err, &dbErr) && dbErr.Detail != "" {
		return fmt.Errorf("sql/%s (%s): %w (%s)", s.File, first, err, dbErr.Detail)
	}
	return fmt.Errorf("sql/%s (%s): %w", s.File, first, err)
}
