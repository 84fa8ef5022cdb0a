package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	sqlfiles "github.com/sparkify/warehouse/sql"
)

// Markers of the report benchmark's section in BENCHMARKS.md.
const (
	reportBeginMarker = "<!-- make bench report: begin -->"
	reportEndMarker   = "<!-- make bench report: end -->"
)

// Targets of the report's period and rollups.
const (
	targetHistory   = 1.5  // the default period on 10× the history ≤ 1.5× the time on 1×
	targetRollupDay = 0.10 // rollups add ≤ 10% to a day's load
	historyTimes    = 10   // the history multiplied: the same month shifted back
	reportRuns      = 5    // report runs per measurement (the median counts)
)

// reportResult is what the report benchmark measured.
type reportResult struct {
	Events, Plays       int
	NewDay              jobRun           // the load of day 31
	NewDayRollups       time.Duration    // its rollup steps (sql/shared/transform/07_rollups.sql)
	RollupSteps         []step           // those steps, longest first
	ReportAll, Report30 [2]time.Duration // at 1× and 10×: the median of reportRuns
	RunsAll, Runs30     [2][]time.Duration
	QueryAll, Query30   [2]time.Duration // the median of the runs' query_duration_ms
	Multiply            time.Duration    // the SQL that made 10× the history
}

// reportBench loads n events (30 days, then day 31), runs the report with
// the default period and with 30d, multiplies the history by shifting the
// month back 9 times (songplays, then the rollups counted again), and runs
// the report again.
func (b *bench) reportBench(ctx context.Context, n int) (*reportResult, error) {
	r := &reportResult{Events: n}
	dir := filepath.Join(b.work, fmt.Sprintf("report-data-%d", n))
	b.logf("report: %s events: generating", fmtInt(n))
	if !b.opts.keep {
		defer os.RemoveAll(dir)
	}
	d, err := b.generate(ctx, n, dir, filepath.Join(b.work, "report-held"))
	if err != nil {
		return nil, err
	}
	dbName := fmt.Sprintf("bench_report_%d", n)
	dbURL, err := b.pg.createDB(ctx, dbName)
	if err != nil {
		return nil, err
	}
	defer b.pg.dropDB(dbName, b.log)
	env := b.fileEnv(dbURL, dir, n)
	if err := b.reportLoads(ctx, r, env, d); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM songplays").Scan(&r.Plays); err != nil {
		return nil, err
	}
	if err := b.reportPeriods(ctx, r, 0, env); err != nil {
		return nil, err
	}
	b.logf("report: %s events: making %d× the history", fmtInt(n), historyTimes)
	t0 := time.Now()
	if err := multiplyHistory(ctx, conn); err != nil {
		return nil, fmt.Errorf("multiply the history: %w", err)
	}
	r.Multiply = time.Since(t0)
	if err := b.reportPeriods(ctx, r, 1, env); err != nil {
		return nil, err
	}
	return r, nil
}

// reportLoads loads the 30 days, then times the load of day 31 (after a
// CHECKPOINT) and its rollup steps.
func (b *bench) reportLoads(ctx context.Context, r *reportResult, env []string, d dataset) error {
	n := r.Events
	b.logf("report: %s events: first load (30 days)", fmtInt(n))
	if _, _, err := b.runJob(ctx, fmt.Sprintf("report-first-%d", n), env); err != nil {
		return err
	}
	if err := d.release(); err != nil {
		return err
	}
	b.logf("report: %s events: one new day", fmtInt(n))
	var err error
	if r.NewDay, _, err = b.timedJob(ctx, fmt.Sprintf("report-newday-%d", n), env); err != nil {
		return err
	}
	for _, st := range r.NewDay.Steps {
		if strings.Contains(st.Name, "07_rollups") {
			r.NewDayRollups += st.Duration
			r.RollupSteps = append(r.RollupSteps, st)
		}
	}
	slices.SortStableFunc(r.RollupSteps, func(x, y step) int { return cmp.Compare(y.Duration, x.Duration) })
	return nil
}

// reportPeriods runs the report reportRuns times with the default period
// and with 30d, each after a CHECKPOINT, on history i (0: 1×, 1:
// historyTimes×), and records the medians.
func (b *bench) reportPeriods(ctx context.Context, r *reportResult, i int, env []string) error {
	for _, period := range []string{"", "30d"} {
		var runs, queries []time.Duration
		for k := range reportRuns {
			if err := b.pg.checkpoint(ctx); err != nil {
				return err
			}
			d, q, err := b.runReport(ctx, fmt.Sprintf("report-%d-%d-%s-%d", r.Events, i, period, k), env, period)
			if err != nil {
				return err
			}
			runs, queries = append(runs, d), append(queries, q)
		}
		if period == "" {
			r.RunsAll[i], r.ReportAll[i], r.QueryAll[i] = runs, median(runs), median(queries)
		} else {
			r.Runs30[i], r.Report30[i], r.Query30[i] = runs, median(runs), median(queries)
		}
		b.logf("report: history %d×, period %q: %v", []int{1, historyTimes}[i], period, runs)
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// queryDuration finds the report's query_duration_ms in its log.
var queryDuration = regexp.MustCompile(`query_duration_ms=(\d+)`)

// runReport runs "job -phase report" and returns its wall time and the
// time of its queries (from its log).
func (b *bench) runReport(ctx context.Context, name string, env []string, period string) (wall, queries time.Duration, err error) {
	cmd := exec.CommandContext(ctx, b.bins["job"], "-phase", "report")
	cmd.Env = append(slices.Clip(env), "SPARKIFY_REPORT_PERIOD="+period, "SPARKIFY_LOG_FORMAT=text")
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(t0)
	if err != nil {
		return 0, 0, fmt.Errorf("job %s: %w\n%s", name, err, out)
	}
	m := queryDuration.FindSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("job %s: no query_duration_ms in its log:\n%s", name, out)
	}
	ms, _ := strconv.Atoi(string(m[1]))
	return wall, time.Duration(ms) * time.Millisecond, nil
}

// multiplyHistory copies the song plays historyTimes-1 times, each copy
// shifted back by a further 31 days (new session ids keep the events
// distinct), and counts the rollups again the way migrations 7 and 8 fill
// them (their INSERT statements; migration 8 makes rollup_songs again and
// drops rollup_artists) into emptied tables: a table emptied by DELETE
// would keep its old pages, twice what a rebuild or a table kept day by day
// holds.
// The time table is left as it is: the report does not read it.
func multiplyHistory(ctx context.Context, conn *pgx.Conn) error {
	stmts := []string{
		`INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session)
		 SELECT songplay_id + k * m.n, start_time - k * INTERVAL '31 days', user_id, level, song_id, artist_id,
		        session_id + k * m.s, location, user_agent, item_in_session
		 FROM songplays
		 CROSS JOIN generate_series(1, ` + strconv.Itoa(historyTimes-1) + `) k
		 CROSS JOIN (SELECT MAX(songplay_id) AS n, MAX(session_id) + 1 AS s FROM songplays) m`,
		"TRUNCATE rollup_hours, rollup_user_days, rollup_sessions, rollup_song_days, rollup_songs, rollup_users, " +
			"rollup_gender_days, rollup_day_sessions, rollup_totals",
	}
	const rollups7 = "postgres/schema/0007_rollups.sql"
	for _, file := range []string{rollups7, "postgres/schema/0008_rollup_totals.sql"} {
		migration, err := sqlfiles.ReadFile(sqlfiles.FS(), file)
		if err != nil {
			return err
		}
		for _, s := range migration {
			text := strings.TrimSpace(sqlfiles.StripComments(s.SQL))
			if strings.HasPrefix(text, "INSERT") && !(file == rollups7 && strings.Contains(text, "INTO rollup_songs")) && !strings.Contains(text, "rollup_artists") {
				stmts = append(stmts, s.SQL)
			}
		}
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%.60s: %w", s, err)
		}
	}
	_, err := conn.Exec(ctx, "VACUUM ANALYZE")
	return err
}

// markdown renders the report benchmark as a section of BENCHMARKS.md.
func (r *reportResult) markdown(command string, date time.Time, m machine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## make bench -report: the report's period and the rollups\n\n")
	fmt.Fprintf(&b, "`%s`, run %s. Machine: %d CPUs (%s), %s memory; %s. Load average (1, 5, 15 min) %s at the start, %s at the end.\n\n",
		command, date.UTC().Format("2006-01-02 15:04 MST"), m.CPUs, m.CPUModel, m.MemTotal, m.Postgres, m.LoadStart, m.LoadEnd)
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	runs := func(ds []time.Duration) string {
		var s []string
		for _, d := range ds {
			s = append(s, fmtDur(d))
		}
		return strings.Join(s, ", ")
	}
	row("measurement", "wall (median)", "queries (median)", "runs (wall)", "target", "result")
	row("---", "---:", "---:", "---", "---", "---")
	row(fmt.Sprintf("report, all history, 1× (%s song plays)", fmtInt(r.Plays)), fmtDur(r.ReportAll[0]), fmtDur(r.QueryAll[0]), runs(r.RunsAll[0]), "", "")
	row(fmt.Sprintf("report, all history, %d× (%s song plays: the month shifted back %d times)", historyTimes, fmtInt(r.Plays*historyTimes), historyTimes-1),
		fmtDur(r.ReportAll[1]), fmtDur(r.QueryAll[1]), runs(r.RunsAll[1]),
		fmt.Sprintf("≤ %g× the 1×: %s", targetHistory, fmtRatio(ratio(r.ReportAll[1], r.ReportAll[0]))),
		verdict(ratio(r.ReportAll[1], r.ReportAll[0]) <= targetHistory))
	row("report, `SPARKIFY_REPORT_PERIOD=30d`, 1×", fmtDur(r.Report30[0]), fmtDur(r.Query30[0]), runs(r.Runs30[0]), "", "")
	row(fmt.Sprintf("report, `SPARKIFY_REPORT_PERIOD=30d`, %d×", historyTimes), fmtDur(r.Report30[1]), fmtDur(r.Query30[1]), runs(r.Runs30[1]),
		fmt.Sprintf("about the 1×: %s", fmtRatio(ratio(r.Report30[1], r.Report30[0]))), "see the ratio")
	share := ratio(r.NewDayRollups, r.NewDay.Wall-r.NewDayRollups)
	row(fmt.Sprintf("load of one new day (day 31), of which the rollups (07_rollups.sql) %s", fmtDur(r.NewDayRollups)), fmtDur(r.NewDay.Wall), "", "1",
		fmt.Sprintf("rollups ≤ %.0f%% more: %.1f%%", targetRollupDay*100, share*100), verdict(share <= targetRollupDay))
	fmt.Fprintf(&b, "\nThe report's wall time is the job process's, start to exit (connecting, the queries in one transaction, the charts, the files); "+
		"each run follows a CHECKPOINT; queries is the time of the report's queries (its log's query_duration_ms). %d× the history is made in SQL after the loads (%s): the songplays copied %d times, each 31 days further back with new session ids, "+
		"and the rollups emptied (TRUNCATE) and counted again as migrations 7 and 8 do, then VACUUM ANALYZE; a 30d report covers the same days at 1× and at %d×. "+
		"The rollups' share of a day's load is the time of their statements over the rest of the load's wall time.\n",
		historyTimes, fmtDur(r.Multiply), historyTimes-1, historyTimes)
	if len(r.RollupSteps) > 0 {
		fmt.Fprintf(&b, "\nThe rollups' longest statements in the load of day 31 (%d statements, %s in all):\n\n", len(r.RollupSteps), fmtDur(r.NewDayRollups))
		for i, st := range r.RollupSteps[:min(5, len(r.RollupSteps))] {
			fmt.Fprintf(&b, "%d. `%s`: %s\n", i+1, shorten(st.Name, 90), fmtDur(st.Duration))
		}
	}
	return b.String()
}
