//go:build integration

package integration

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// starColumns lists, per star table, the tables' columns that analysts see
// (tableQueries' order).
var starColumns = map[string][]string{
	"songplays": {"songplay_id", "start_time", "user_id", "level", "song_id", "artist_id", "session_id", "location", "user_agent", "item_in_session"},
	"users":     {"user_id", "first_name", "last_name", "gender", "level", "last_seen_at"},
	"songs":     {"song_id", "title", "artist_id", "year", "duration"},
	"artists":   {"artist_id", "name", "location", "latitude", "longitude"},
	"time":      {"start_time", "hour", "day", "week", "month", "year", "weekday"},
}

// testCommentsDescribeTheStarSchema: after a load, every star table and
// every column carries the comment of migration 0002 (COMMENT ON, sent
// through the Redshift emulator on the redshift target), each short enough
// for Redshift's SVV_ALL_COLUMNS.remarks (VARCHAR(256)).

func testCommentsDescribeTheStarSchema(t *testing.T, target string) {
	s := fixtureStack(t, target)
	mustLoad(t)
	conn := s.Conn(t)

	for _, tt := range []struct {
		table, column, want string // column "": the table's comment
	}{
		{"time", "weekday", "Day of the week: 0 = Sunday, 1 = Monday, ..., 6 = Saturday."},
		{"time", "hour", "Hour of the day, 0-23, UTC."},
		{"songplays", "level", "The user's level at the time of play: free or paid (users.level is the current one)."},
		{"songplays", "song_id", "The song played (songs.song_id); null when no catalogued song has the same title, artist name and duration within a millisecond."},
		{"users", "level", "The user's current level (free or paid), from the latest event; songplays.level is the level at the time of each play."},
		{"songs", "year", "Release year; null when unknown (0 in the song files)."},
		{"songplays", "", "Fact: one row per NextSong event in the logs, whether or not the song is in the catalogue. An event is identified by (user_id, session_id, item_in_session)."},
		{"time", "", "Dimension: one row per distinct songplays.start_time, broken into units (UTC)."},
	} {
		if got := comment(t, conn, tt.table, tt.column); got != tt.want {
			t.Errorf("comment on %s.%s = %q, want %q", tt.table, tt.column, got, tt.want)
		}
	}

	for table, columns := range starColumns {
		for _, column := range append([]string{""}, columns...) {
			switch got := comment(t, conn, table, column); {
			case got == "":
				t.Errorf("%s.%s has no comment", table, column)
			case len(got) > 256:
				t.Errorf("comment on %s.%s is %d bytes, more than Redshift's SVV_ALL_COLUMNS.remarks holds (256)", table, column, len(got))
			}
		}
	}
}

// comment reads the comment on table.column, or on the table when column is
// empty, from the Postgres catalogue; "" when there is none.
func comment(t *testing.T, conn *pgx.Conn, table, column string) string {
	t.Helper()
	var got *string
	err := conn.QueryRow(context.Background(), `SELECT CASE WHEN $2 = '' THEN obj_description(c.oid, 'pg_class')
		ELSE col_description(c.oid, (SELECT attnum FROM pg_attribute WHERE attrelid = c.oid AND attname = $2)) END
		FROM pg_class c WHERE c.oid = to_regclass($1)`, table, column).Scan(&got)
	if err != nil {
		t.Fatalf("comment on %s.%s: %v", table, column, err)
	}
	if got == nil {
		return ""
	}
	return *got
}
