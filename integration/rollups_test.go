//go:build integration

package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// rollupQueries read each rollup table (postgres/schema/0007_rollups.sql)
// and count the same rows again from songplays, in the same order.
var rollupQueries = []struct{ table, rows, recount string }{
	{"rollup_hours",
		"SELECT play_date, hour, plays, matched_plays, paid_plays, start_times, first_play, last_play FROM rollup_hours ORDER BY 1, 2",
		`SELECT CAST(start_time AS DATE), CAST(EXTRACT(hour FROM start_time) AS INTEGER), COUNT(*), COUNT(song_id),
		        COUNT(CASE WHEN level = 'paid' THEN 1 END), COUNT(DISTINCT start_time), MIN(start_time), MAX(start_time)
		 FROM songplays GROUP BY 1, 2 ORDER BY 1, 2`},
	{"rollup_user_days",
		"SELECT play_date, user_id, level, plays, first_play, last_play FROM rollup_user_days ORDER BY 1, 2, 3",
		`SELECT CAST(start_time AS DATE), user_id, COALESCE(level, ''), COUNT(*), MIN(start_time), MAX(start_time)
		 FROM songplays GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`},
	{"rollup_sessions",
		"SELECT play_date, user_id, session_id, plays FROM rollup_sessions ORDER BY 1, 2, 3",
		"SELECT CAST(start_time AS DATE), user_id, session_id, COUNT(*) FROM songplays GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"},
	{"rollup_song_days",
		"SELECT play_date, song_id, artist_id, plays FROM rollup_song_days ORDER BY 1, 2",
		"SELECT CAST(start_time AS DATE), song_id, artist_id, COUNT(*) FROM songplays WHERE song_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2"},
	{"rollup_songs",
		"SELECT song_id, plays FROM rollup_songs ORDER BY 1",
		"SELECT song_id, COUNT(*) FROM songplays WHERE song_id IS NOT NULL GROUP BY 1 ORDER BY 1"},
	{"rollup_artists",
		"SELECT artist_id, plays FROM rollup_artists ORDER BY 1",
		"SELECT artist_id, COUNT(*) FROM songplays WHERE artist_id IS NOT NULL GROUP BY 1 ORDER BY 1"},
}

// assertRollups fails the test when a rollup table differs from a recount
// of songplays, or when songplays is not empty and a rollup is.
func assertRollups(t *testing.T, databaseURL string) {
	t.Helper()
	ctx := context.Background()
	conn := dial(t, databaseURL)
	defer conn.Close(ctx)
	var plays int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM songplays").Scan(&plays); err != nil {
		t.Fatal(err)
	}
	for _, q := range rollupQueries {
		got, want := queryLines(t, conn, q.rows), queryLines(t, conn, q.recount)
		if plays > 0 && len(want) == 0 {
			t.Errorf("%s: the recount is empty with %d song plays", q.table, plays)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s differs from a recount of songplays:\n got: %q\nwant: %q", q.table, got, want)
		}
	}
}

// queryLines runs q and returns its rows as lines of |-separated values.
func queryLines(t *testing.T, conn *pgx.Conn, q string) []string {
	t.Helper()
	return formatRows(t, conn, q, func(v any) string { return fmt.Sprint(v) })
}

// formatRows runs q and returns its rows as lines of values, each written
// by cell, separated by |.
func formatRows(t *testing.T, conn *pgx.Conn, q string, cell func(any) string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = cell(v)
		}
		out = append(out, strings.Join(cells, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
