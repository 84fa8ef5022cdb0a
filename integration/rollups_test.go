//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// rollupQueries read each rollup table (postgres/schema/0007_rollups.sql and
// 0008_rollup_totals.sql) and count the same rows again from songplays, in
// the same order.
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
		"SELECT song_id, artist_id, plays FROM rollup_songs ORDER BY 1",
		"SELECT song_id, artist_id, COUNT(*) FROM songplays WHERE song_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1"},
	{"rollup_songs by artist",
		"SELECT artist_id, CAST(SUM(plays) AS BIGINT) FROM rollup_songs WHERE artist_id IS NOT NULL GROUP BY 1 ORDER BY 1",
		"SELECT artist_id, COUNT(*) FROM songplays WHERE artist_id IS NOT NULL GROUP BY 1 ORDER BY 1"},
	{"rollup_users",
		"SELECT user_id, gender, plays, first_free, last_free, first_paid, last_paid FROM rollup_users ORDER BY 1",
		`SELECT s.user_id, COALESCE(MIN(u.gender), ''), COUNT(*),
		        MIN(CASE WHEN s.level = 'free' THEN s.start_time END), MAX(CASE WHEN s.level = 'free' THEN s.start_time END),
		        MIN(CASE WHEN s.level = 'paid' THEN s.start_time END), MAX(CASE WHEN s.level = 'paid' THEN s.start_time END)
		 FROM songplays s LEFT JOIN users u ON u.user_id = s.user_id GROUP BY 1 ORDER BY 1`},
	{"rollup_gender_days",
		"SELECT play_date, gender, level, plays FROM rollup_gender_days ORDER BY 1, 2, 3",
		`SELECT CAST(s.start_time AS DATE), COALESCE(u.gender, ''), COALESCE(s.level, ''), COUNT(*)
		 FROM songplays s LEFT JOIN users u ON u.user_id = s.user_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`},
	{"rollup_day_sessions",
		"SELECT play_date, sessions FROM rollup_day_sessions ORDER BY 1",
		"SELECT CAST(start_time AS DATE), COUNT(DISTINCT (user_id, session_id)) FROM songplays GROUP BY 1 ORDER BY 1"},
	{"rollup_totals",
		"SELECT sessions FROM rollup_totals",
		"SELECT COUNT(*) FROM (SELECT DISTINCT user_id, session_id FROM songplays) s"},
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

// playEvent is one NextSong log line of user at ts (Unix milliseconds);
// gender "" is a NULL gender.
func playEvent(user string, gender string, level string, session, item int, ts int64) string {
	g := "null"
	if gender != "" {
		g = `"` + gender + `"`
	}
	return fmt.Sprintf(`{"artist":"Gob","auth":"Logged In","firstName":"First%[1]s","gender":%[2]s,"itemInSession":%[4]d,`+
		`"lastName":"Last%[1]s","length":209.60608,"level":"%[3]s","location":"San Jose-Sunnyvale-Santa Clara, CA","method":"PUT",`+
		`"page":"NextSong","registration":1541059521796.0,"sessionId":%[5]d,"song":"Face the Ashes","status":200,"ts":%[6]d,`+
		`"userAgent":"Mozilla/5.0","userId":"%[1]s"}`, user, g, level, item, session, ts)
}

// testRollupsFollowUsers: the all-history rollups per user and the plays per
// day by gender equal a recount when a later event changes a user's gender
// (user 26 from M to F, user 49 from F to NULL: their plays of the first day,
// which this load does not touch, move to the new gender) and when a
// rewritten log object takes away a user's first play (user 10's first free
// play: the user is counted again from all their days).
func testRollupsFollowUsers(t *testing.T, target string) {
	s := incrementalStack(t, target)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
	mustLoad(t)
	assertRollups(t, s.DatabaseURL)

	const nov3 = int64(1541246400000) // 2018-11-03 12:00 UTC
	s.Put(t, "log_data/2018/11/2018-11-03-events.json",
		[]byte(playEvent("26", "F", "free", 202, 0, nov3)+"\n"+playEvent("49", "", "free", 402, 0, nov3+1000)+"\n"))
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	mustLoad(t)
	users := dump(t, s.DatabaseURL)["users"]
	for _, want := range []string{"26|First26|Last26|F|free|", "49|First49|Last49|NULL|free|"} {
		if !slices.ContainsFunc(users, func(u string) bool { return strings.HasPrefix(u, want) }) {
			t.Errorf("users lack %q: %q", want, users)
		}
	}
	assertRollups(t, s.DatabaseURL)

	day1 := "log_data/2018/11/2018-11-01-events.json"
	body, err := os.ReadFile(filepath.Join(fixture, day1))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(body), "\n") {
		if !strings.Contains(l, `"ts":1541041260796,`) { // user 10's first play
			kept = append(kept, l)
		}
	}
	if len(kept) != strings.Count(string(body), "\n") {
		t.Fatalf("%s: want one line left out of %d", day1, len(kept))
	}
	s.Put(t, day1, []byte(strings.Join(kept, "")))
	mustLoad(t)
	assertRollups(t, s.DatabaseURL)
}
