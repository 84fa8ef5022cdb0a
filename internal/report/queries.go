package report

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/sql"
)

// QueryDir is the folder of the report queries inside the SQL file system
// (sqlfiles.FS()).
const QueryDir = "shared/report"

// Query files, in the order Collect runs them. Each holds one statement.
const (
	qStarTables       = "00_star_tables.sql"
	qTimeSpan         = "00_time_span.sql"
	qTableRows        = "01_table_rows.sql"
	qPlayTotals       = "02_play_totals.sql"
	qSessionsTotal    = "03_sessions_total.sql"
	qUsersByLevel     = "04_users_by_level_gender.sql"
	qPlaysPerDay      = "05_plays_per_day.sql"
	qSessionsPerDay   = "06_sessions_per_day.sql"
	qPlaysWeekdayHour = "07_plays_by_weekday_hour.sql"
	qTopSongs         = "08_top_songs.sql"
	qTopArtists       = "09_top_artists.sql"
	qTopUsers         = "10_top_users.sql"
	qLevelChanges     = "11_level_changes.sql"
	qLoads            = "12_loads.sql"
	starTableCount    = 5
	topN              = 10
)

// QueryFiles lists every report query file, in the order Collect runs them.
var QueryFiles = []string{
	qStarTables, qTimeSpan, qTableRows, qPlayTotals, qSessionsTotal, qUsersByLevel,
	qPlaysPerDay, qSessionsPerDay, qPlaysWeekdayHour, qTopSongs, qTopArtists,
	qTopUsers, qLevelChanges, qLoads,
}

// Statement is one report query.
type Statement struct {
	// Name is the file name, such as "02_play_totals.sql".
	Name string
	// SQL is the file's statement, without its terminating semicolon.
	SQL string
}

// Statements reads every report query from sqlFS (the embedded SQL files,
// or an fstest.MapFS in tests), in the order Collect runs them.
func Statements(sqlFS fs.FS) ([]Statement, error) {
	out := make([]Statement, 0, len(QueryFiles))
	for _, name := range QueryFiles {
		st, err := sql.ReadFile(sqlFS, path.Join(QueryDir, name))
		if err != nil {
			return nil, fmt.Errorf("read report query: %w", err)
		}
		if len(st) != 1 {
			return nil, fmt.Errorf("read report query: %s holds %d statements, want 1", name, len(st))
		}
		out = append(out, Statement{Name: name, SQL: st[0].SQL})
	}
	return out, nil
}

// Querier runs a query. pgx.Tx and *pgx.Conn satisfy it; Collect is meant
// to run in one read-only REPEATABLE READ transaction, so that every number
// comes from the same snapshot.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Rows of the report queries that Data keeps in another shape.
type (
	tableRow struct {
		Table string
		Rows  int64
	}
	playTotals struct {
		Plays, MatchedPlays, PaidPlays, PlayingUsers int64
		FirstPlay, LastPlay                          *time.Time // NULL when there are no plays
	}
	levelChanges struct{ FreeToPaid, PaidToFree int64 }
	timeSpan     struct{ FirstDay, LastDay *time.Time } // NULL when there are no plays
)

// The days a period query covers for all history: every date.
var (
	allFrom = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	allTo   = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// collector runs report queries, each named by its file. After the first
// failure it runs nothing more and keeps the error.
type collector struct {
	ctx   context.Context
	q     Querier
	sqlOf map[string]string // by file name
	err   error
}

// query runs the query of file name and returns its rows, each read by
// scan; nil when there are none, or after a failure.
func query[T any](c *collector, name string, scan pgx.RowToFunc[T], args ...any) []T {
	if c.err != nil {
		return nil
	}
	rows, err := c.q.Query(c.ctx, c.sqlOf[name], args...)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" && strings.Contains(pgErr.Message, "rollup_") {
			c.err = fmt.Errorf("report query %s: %w (the warehouse predates the rollups the report reads: run a load, which adds and fills them)", name, err)
			return nil
		}
		c.err = fmt.Errorf("report query %s: %w", name, err)
		return nil
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		c.err = fmt.Errorf("report query %s: %w", name, err)
		return nil
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Collect runs the report queries from sqlFS over all history and returns
// their results (CollectPeriod).
func Collect(ctx context.Context, q Querier, sqlFS fs.FS) (Data, error) {
	return CollectPeriod(ctx, q, sqlFS, PeriodSpec{})
}

// CollectPeriod runs the report queries from sqlFS over the period p and
// returns their results; for a bounded period it also reads the headline
// figures of the period before it. The plays are read from the rollups the
// load keeps, so the cost follows the days of the period (and, over all
// history, the users and songs), not the plays of history. When the star
// tables do not exist yet it returns Data with Loaded false and reads
// nothing but the load history.
func CollectPeriod(ctx context.Context, q Querier, sqlFS fs.FS, p PeriodSpec) (Data, error) {
	stmts, err := Statements(sqlFS)
	if err != nil {
		return Data{}, err
	}
	c := &collector{ctx: ctx, q: q, sqlOf: map[string]string{}}
	for _, s := range stmts {
		c.sqlOf[s.Name] = s.SQL
	}
	tables := query(c, qStarTables, pgx.RowTo[string])
	if c.err != nil {
		return Data{}, c.err
	}
	var d Data
	if len(slices.DeleteFunc(slices.Clone(tables), func(t string) bool { return t == "sparkify_loads" })) >= starTableCount {
		if d, err = c.plays(p); err != nil {
			return Data{}, err
		}
	}
	// The load history is read last, whether or not the star tables exist.
	if slices.Contains(tables, "sparkify_loads") {
		if d.Loads, err = c.loads(); err != nil {
			return Data{}, err
		}
	}
	return d, nil
}

// periodDays are the days a report's queries cover.
type periodDays struct {
	from, to         time.Time
	prevFrom, prevTo time.Time // the period before a bounded one
	all              int       // 1 over all history: the queries read the all-history rollups
}

// days resolves p: every date for all history, else the days against the
// last day with plays.
func (c *collector) days(p PeriodSpec) periodDays {
	span := query(c, qTimeSpan, pgx.RowToStructByPos[timeSpan])
	if !p.Bounded() {
		return periodDays{from: allFrom, to: allTo, all: 1}
	}
	var last time.Time
	for _, s := range span {
		if s.LastDay != nil {
			last = s.LastDay.UTC()
		}
	}
	var pd periodDays
	pd.from, pd.to, pd.prevFrom, pd.prevTo = p.Resolve(last)
	return pd
}

// plays runs the queries of the song plays over the period p and checks
// that they agree.
func (c *collector) plays(p PeriodSpec) (Data, error) {
	d := Data{Loaded: true, Period: p}
	pd := c.days(p)
	if p.Bounded() {
		d.From, d.To = pd.from, pd.to
	}
	// Each query is read into the struct of its rows, column by column.
	counts := query(c, qTableRows, pgx.RowToStructByPos[tableRow])
	totals := query(c, qPlayTotals, pgx.RowToStructByPos[playTotals], pd.from, pd.to, pd.all)
	if p.Bounded() {
		prev := query(c, qPlayTotals, pgx.RowToStructByPos[playTotals], pd.prevFrom, pd.prevTo, 0)
		d.Previous = &PeriodTotals{From: pd.prevFrom, To: pd.prevTo}
		for _, t := range prev {
			d.Previous.Plays, d.Previous.PaidPlays, d.Previous.Users = t.Plays, t.PaidPlays, t.PlayingUsers
		}
	}
	sessions := query(c, qSessionsTotal, pgx.RowTo[int64], pd.from, pd.to, pd.all)
	d.UsersByLevelGender = query(c, qUsersByLevel, pgx.RowToStructByPos[LevelGenderUsers])
	d.PlaysByDay = query(c, qPlaysPerDay, pgx.RowToStructByPos[DayPlays], pd.from, pd.to)
	d.SessionsByDay = query(c, qSessionsPerDay, pgx.RowToStructByPos[DaySessions], pd.from, pd.to)
	d.PlaysByWeekdayHour = query(c, qPlaysWeekdayHour, pgx.RowToStructByPos[WeekdayHourPlays], pd.from, pd.to)
	d.TopSongs = query(c, qTopSongs, pgx.RowToStructByPos[TopSong], pd.from, pd.to, pd.all)
	d.TopArtists = query(c, qTopArtists, pgx.RowToStructByPos[TopArtist], pd.from, pd.to, pd.all)
	d.TopUsers = query(c, qTopUsers, pgx.RowToStructByPos[TopUser], pd.from, pd.to, pd.all)
	changes := query(c, qLevelChanges, pgx.RowToStructByPos[levelChanges], pd.from, pd.to, pd.all)
	if c.err != nil {
		return Data{}, c.err
	}
	d.TableRows = tableRows(counts)
	// The single-row queries: should one return several rows, the last
	// counts.
	for _, t := range totals {
		d.Plays, d.MatchedPlays, d.PaidPlays, d.PlayingUsers = t.Plays, t.MatchedPlays, t.PaidPlays, t.PlayingUsers
		if t.FirstPlay != nil && t.LastPlay != nil {
			d.FirstPlay, d.LastPlay = t.FirstPlay.UTC(), t.LastPlay.UTC()
		}
	}
	for _, n := range sessions {
		d.Sessions = n
	}
	for _, l := range changes {
		d.FreeToPaid, d.PaidToFree = l.FreeToPaid, l.PaidToFree
	}
	return d, d.rankAndCheck()
}

// tableRows reads the row counts of the star tables.
func tableRows(counts []tableRow) TableRows {
	var t TableRows
	for _, r := range counts {
		switch r.Table {
		case "songplays":
			t.Songplays = r.Rows
		case "users":
			t.Users = r.Rows
		case "songs":
			t.Songs = r.Rows
		case "artists":
			t.Artists = r.Rows
		case "time":
			t.Time = r.Rows
		}
	}
	return t
}

// rankAndCheck numbers the top lists and checks that the plays per day add
// up to the total and that no top list is longer than topN.
func (d *Data) rankAndCheck() error {
	for i := range d.TopSongs {
		d.TopSongs[i].Rank = i + 1
	}
	for i := range d.TopArtists {
		d.TopArtists[i].Rank = i + 1
	}
	for i := range d.TopUsers {
		d.TopUsers[i].Rank = i + 1
	}
	var perDay int64
	for _, p := range d.PlaysByDay {
		perDay += p.Plays
	}
	if perDay != d.Plays {
		return fmt.Errorf("report queries disagree: %d plays in total but %d over the days; run the report in one snapshot", d.Plays, perDay)
	}
	if len(d.TopSongs) > topN || len(d.TopArtists) > topN || len(d.TopUsers) > topN {
		return fmt.Errorf("report query returned more than %d top rows", topN)
	}
	return nil
}

// loads reads the last load attempt and the last committed load.
func (c *collector) loads() (*Loads, error) {
	rows := query(c, qLoads, pgx.RowToStructByPos[LoadInfo])
	if c.err != nil {
		return nil, c.err
	}
	out := &Loads{}
	for _, l := range rows {
		l.FinishedAt = l.FinishedAt.UTC()
		if out.Last == nil {
			out.Last = &l
		} else {
			out.LastCommitted = &l
		}
	}
	if out.Last != nil && out.Last.Status == "committed" {
		out.LastCommitted = out.Last
	}
	return out, nil
}
