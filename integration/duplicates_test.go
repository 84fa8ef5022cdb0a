//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

// breakTransform is the project's SQL with old replaced by new in file.
func breakTransform(t *testing.T, file, old, new string) fs.FS {
	t.Helper()
	text, err := fs.ReadFile(sql.FS(), file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), old) {
		t.Fatalf("sql/%s no longer holds %q; update this test", file, old)
	}
	broken := strings.Replace(string(text), old, new, 1)
	return overlayFS{FS: sql.FS(), files: fstest.MapFS{file: {Data: []byte(broken)}}}
}

// runRedshiftPlan loads the stack's song files and the log files under logs
// (relative to log_data) with the SQL of fsys, on the redshift target
// through the Redshift emulator, in a session of its own.
func runRedshiftPlan(t *testing.T, s *Stack, fsys fs.FS, logs string) (*warehouse.Summary, error) {
	t.Helper()
	runs++
	ctx := context.Background()
	conn, err := warehouse.Connect(ctx, warehouse.Redshift, os.Getenv("SPARKIFY_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	plan, err := warehouse.BuildPlan(fsys, warehouse.Options{
		Target:      warehouse.Redshift,
		SongData:    source.Location{Scheme: "s3", Bucket: s.Bucket, Path: "song_data"},
		LogData:     source.Location{Scheme: "s3", Bucket: s.Bucket, Path: "log_data/" + logs},
		LogJSONPath: os.Getenv("SPARKIFY_LOG_JSONPATH"),
		Region:      os.Getenv("SPARKIFY_SOURCE_REGION"),
		IAMRoleARN:  os.Getenv("SPARKIFY_IAM_ROLE_ARN"),
		MaxErrors:   1, // the fixture's one malformed record
	})
	if err != nil {
		t.Fatal(err)
	}
	return warehouse.Run(ctx, warehouse.NewSession(conn), plan, warehouse.RunOptions{
		LockTimeout: time.Minute,
		Log:         slog.New(slog.DiscardHandler),
		Load:        &warehouse.LoadRecord{ID: fmt.Sprintf("duplicates-%d", runs), Started: time.Now()},
	})
}

// TestDuplicateChecksFailTheLoadOnRedshift: Redshift declares keys and never
// enforces them, so on the redshift target the duplicate checks are what
// stands between a broken transform and duplicated rows. Day 1 loads with
// the project's SQL through the Redshift emulator; days 1-2 then load with
// one transform broken so that it writes rows whose key is already there.
// (A song file also changes, so that the song and artist transforms have
// rows to write.) The emulator accepts them, as Redshift would, and the check for that
// table fails the load, naming its file, with nothing committed.
func TestDuplicateChecksFailTheLoadOnRedshift(t *testing.T) {
	// A song file changed after day 1: its song and its artist are in the
	// second load's load_songs and load_artists: the transforms keep, of two
	// versions, the one whose values sort first, and these do.
	original, err := os.ReadFile(fixture + "/song_data/B/B/C/TRBBCJQ128F9314D38.json")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.NewReplacer(`"title": "Heartbeats"`, `"title": "Heartbeat"`,
		`"artist_location": "G`, `"artist_location": "Gothenburg (`).Replace(string(original))
	if changed == string(original) || strings.Count(changed, "Gothenburg") != 1 {
		t.Fatalf("the fixture's TRBBCJQ128F9314D38.json changed; update this test")
	}
	for _, tc := range []struct {
		check, file, old, new string
	}{
		{"shared/checks/04_duplicate_songplays.sql", "shared/transform/05_songplays.sql",
			"WHERE NOT EXISTS (\n    SELECT 1 FROM songplays s\n", "WHERE 1 = 1 OR NOT EXISTS (\n    SELECT 1 FROM songplays s\n"},
		{"shared/checks/05_duplicate_users.sql", "shared/transform/04_users.sql",
			"DELETE FROM users USING load_users WHERE users.user_id = load_users.user_id", "DELETE FROM users USING load_users WHERE 1 = 0"},
		{"shared/checks/06_duplicate_songs.sql", "shared/transform/02_songs.sql",
			"DELETE FROM songs USING load_songs WHERE songs.song_id = load_songs.song_id", "DELETE FROM songs USING load_songs WHERE 1 = 0"},
		{"shared/checks/07_duplicate_artists.sql", "shared/transform/03_artists.sql",
			"DELETE FROM artists USING load_artists WHERE artists.artist_id = load_artists.artist_id", "DELETE FROM artists USING load_artists WHERE 1 = 0"},
		{"shared/checks/08_duplicate_time.sql", "shared/transform/06_time.sql", timeKeep, ""},
	} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(tc.check, "shared/checks/"), ".sql"), func(t *testing.T) {
			s := fixtureStack(t, "redshift")
			if _, err := runRedshiftPlan(t, s, sql.FS(), "2018/11/2018-11-01"); err != nil {
				t.Fatal(err)
			}
			before := dump(t, s.DatabaseURL)
			s.Put(t, "song_data/B/B/C/TRBBCJQ128F9314D38.json", []byte(changed))

			_, err := runRedshiftPlan(t, s, breakTransform(t, tc.file, tc.old, tc.new), "2018/11")
			var ce *warehouse.CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("load with sql/%s broken: %v, want the check sql/%s to fail it", tc.file, err, tc.check)
			}
			if ce.File != tc.check || ce.Count < 1 {
				t.Errorf("failed check = sql/%s (%d), want sql/%s (at least 1)", ce.File, ce.Count, tc.check)
			}
			assertTables(t, dump(t, s.DatabaseURL), before)
		})
	}
}

// TestRedshiftKeysAreDeclaredNotEnforced: the emulator keeps a declared
// PRIMARY KEY in the catalog, as Redshift does (the planner uses it), and
// accepts rows that repeat it; NOT NULL is enforced.
func TestRedshiftKeysAreDeclaredNotEnforced(t *testing.T) {
	s := startStack(t)
	s.Env(t)
	s.UseTarget(t, "redshift")
	ctx := context.Background()
	conn := dial(t, os.Getenv("SPARKIFY_DATABASE_URL"))
	defer conn.Close(ctx)
	for _, q := range []string{
		"CREATE TABLE k (a INT NOT NULL, b VARCHAR(8), PRIMARY KEY (a), UNIQUE (b))",
		"INSERT INTO k VALUES (1, 'x'), (1, 'x')",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var rows, keys int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM k").Scan(&rows); err != nil || rows != 2 {
		t.Errorf("rows = %d (%v), want the 2 rows with one key", rows, err)
	}
	err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.table_constraints
		WHERE table_name = 'k' AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`).Scan(&keys)
	if err != nil || keys != 2 {
		t.Errorf("declared keys in the catalog = %d (%v), want 2", keys, err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO k VALUES (NULL, 'y')"); err == nil || !strings.Contains(err.Error(), "23502") {
		t.Errorf("NULL into a NOT NULL column: %v, want SQLSTATE 23502", err)
	}
}
