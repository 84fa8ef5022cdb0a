package report

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/jackc/pgx/v5"
)

// QueryDir is the folder of the report queries inside the SQL file system
// (sqlfiles.FS()).
const QueryDir = "shared/report"

// Query files, in the order Collect runs them. Each holds one statement.
const (
	qStarTables       = "00_star_tables.sql"
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
	starTableCount    = 5
	topN              = 10
)

// QueryFiles lists every report query file, in the order Collect runs them.
var QueryFiles = []string{
	qStarTables, qTableRows, qPlayTotals, qSessionsTotal, qUsersByLevel,
	qPlaysPerDay, qSessionsPerDay, qPlaysWeekdayHour, qTopSongs, qTopArtists,
	qTopUsers, qLevelChanges,
}

// Statement is one report query.
type Statement struct {
	// Name is the file name, such as "02_play_totals.sql".
	Name string
	// SQL is the file's text.
	SQL string
}

// Statements reads every report query from sqlFS (the embedded SQL files,
// or an fstest.MapFS in tests), in the order Collect runs them.
func Statements(sqlFS fs.FS) ([]Statement, error) {
	out := make([]Statement, 0, len(QueryFiles))
	for _, name := range QueryFiles {
		b, err := fs.ReadFile(sqlFS, path.Join(QueryDir, name))
		if err != nil {
			return nil, fmt.Errorf("read report query: %w", err)
		}
		out = append(out, Statement{Name: name, SQL: string(b)})
	}
	return out, nil
}

// Querier runs a query. pgx.Tx and *pgx.Conn satisfy it; Collect is meant
// to run in one read-only REPEATABLE READ transaction, so that every number
// comes from the same snapshot.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Collect runs the report queries from sqlFS and returns their results.
// When the star tables do not exist yet it returns Data with Loaded false
// and runs nothing else.
func Collect(ctx context.Context, q Querier, sqlFS fs.FS) (Data, error) {
	stmts, err := Statements(sqlFS)
	if err != nil {
		return Data{}, err
	}
	sqlOf := map[string]string{}
	for _, s := range stmts {
		sqlOf[s.Name] = s.SQL
	}
	var d Data
	run := func(name string, scan func(pgx.Rows) error) error {
		rows, err := q.Query(ctx, sqlOf[name])
		if err != nil {
			return fmt.Errorf("report query %s: %w", name, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("report query %s: %w", name, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("report query %s: %w", name, err)
		}
		return nil
	}

	tables := 0
	if err := run(qStarTables, func(r pgx.Rows) error {
		var name string
		tables++
		return r.Scan(&name)
	}); err != nil {
		return Data{}, err
	}
	if tables < starTableCount {
		return Data{}, nil
	}
	d.Loaded = true

	steps := []struct {
		name string
		scan func(pgx.Rows) error
	}{
		{qTableRows, func(r pgx.Rows) error {
			var table string
			var n int64
			if err := r.Scan(&table, &n); err != nil {
				return err
			}
			switch table {
			case "songplays":
				d.TableRows.Songplays = n
			case "users":
				d.TableRows.Users = n
			case "songs":
				d.TableRows.Songs = n
			case "artists":
				d.TableRows.Artists = n
			case "time":
				d.TableRows.Time = n
			}
			return nil
		}},
		{qPlayTotals, func(r pgx.Rows) error {
			var first, last *time.Time
			if err := r.Scan(&d.Plays, &d.MatchedPlays, &d.PaidPlays, &d.PlayingUsers, &first, &last); err != nil {
				return err
			}
			if first != nil && last != nil {
				d.FirstPlay, d.LastPlay = first.UTC(), last.UTC()
			}
			return nil
		}},
		{qSessionsTotal, func(r pgx.Rows) error { return r.Scan(&d.Sessions) }},
		{qUsersByLevel, func(r pgx.Rows) error {
			var u LevelGenderUsers
			err := r.Scan(&u.Level, &u.Gender, &u.Users)
			d.UsersByLevelGender = append(d.UsersByLevelGender, u)
			return err
		}},
		{qPlaysPerDay, func(r pgx.Rows) error {
			var p DayPlays
			err := r.Scan(&p.Day, &p.Gender, &p.Level, &p.Plays)
			d.PlaysByDay = append(d.PlaysByDay, p)
			return err
		}},
		{qSessionsPerDay, func(r pgx.Rows) error {
			var s DaySessions
			err := r.Scan(&s.Day, &s.Sessions)
			d.SessionsByDay = append(d.SessionsByDay, s)
			return err
		}},
		{qPlaysWeekdayHour, func(r pgx.Rows) error {
			var w WeekdayHourPlays
			err := r.Scan(&w.Weekday, &w.Hour, &w.Plays)
			d.PlaysByWeekdayHour = append(d.PlaysByWeekdayHour, w)
			return err
		}},
		{qTopSongs, func(r pgx.Rows) error {
			s := TopSong{Rank: len(d.TopSongs) + 1}
			err := r.Scan(&s.SongID, &s.Title, &s.ArtistName, &s.Plays)
			d.TopSongs = append(d.TopSongs, s)
			return err
		}},
		{qTopArtists, func(r pgx.Rows) error {
			a := TopArtist{Rank: len(d.TopArtists) + 1}
			err := r.Scan(&a.ArtistID, &a.Name, &a.Plays)
			d.TopArtists = append(d.TopArtists, a)
			return err
		}},
		{qTopUsers, func(r pgx.Rows) error {
			u := TopUser{Rank: len(d.TopUsers) + 1}
			err := r.Scan(&u.UserID, &u.FirstName, &u.LastName, &u.Level, &u.Plays)
			d.TopUsers = append(d.TopUsers, u)
			return err
		}},
		{qLevelChanges, func(r pgx.Rows) error { return r.Scan(&d.FreeToPaid, &d.PaidToFree) }},
	}
	for _, s := range steps {
		if err := run(s.name, s.scan); err != nil {
			return Data{}, err
		}
	}
	var perDay int64
	for _, p := range d.PlaysByDay {
		perDay += p.Plays
	}
	if perDay != d.Plays {
		return Data{}, fmt.Errorf("report queries disagree: %d plays in total but %d over the days; run the report in one snapshot", d.Plays, perDay)
	}
	if len(d.TopSongs) > topN || len(d.TopArtists) > topN || len(d.TopUsers) > topN {
		return Data{}, fmt.Errorf("report query returned more than %d top rows", topN)
	}
	return d, nil
}
