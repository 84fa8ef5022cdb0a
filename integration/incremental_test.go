//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/warehouse"
)

// incrementalStack is the fixture stack on target; on Redshift, loads are
// incremental only with a staging location for their COPY manifests.
func incrementalStack(t *testing.T, target string) *Stack {
	t.Helper()
	s := fixtureStack(t, target)
	if target != "postgres" {
		t.Setenv("SPARKIFY_STAGING_URI", "s3://"+s.Bucket+"/staging")
	}
	return s
}

// assertSources checks the run summary's objects line of each source.
func assertSources(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, "  "+l+"\n") {
			t.Errorf("summary lacks %q:\n%s", l, out)
		}
	}
}

// assertRowCounts checks the rows column of the summary's tables against
// the tables themselves: a load adds what it inserted to the counts the load
// before it recorded, instead of counting every table.
func assertRowCounts(t *testing.T, out string, tables map[string][]string) {
	t.Helper()
	for _, table := range warehouse.Tables {
		m := regexp.MustCompile(`(?m)^  ` + table + `\s+\d+\s+\d+\s+(\d+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("summary lacks the row of %s:\n%s", table, out)
			continue
		}
		if want := strconv.Itoa(len(tables[table])); m[1] != want {
			t.Errorf("summary: %s has %s rows, the table %s", table, m[1], want)
		}
	}
}

// incrementalLoad runs a load and checks its summary: the rows of each
// table against the table, the objects lines of the sources against
// wantSources; and the rollups against songplays. It returns the summary.
func incrementalLoad(t *testing.T, s *Stack, wantSources ...string) string {
	t.Helper()
	out := mustLoad(t)
	assertRowCounts(t, out, dump(t, s.DatabaseURL))
	assertRollups(t, s.DatabaseURL)
	assertSources(t, out, wantSources...)
	return out
}

// testIncrementalLoads: each load stages only the objects that are new or
// changed since the loads before it (the ledger, sparkify_source_objects),
// and the tables equal those of one full load; -full-refresh stages
// everything again.
func testIncrementalLoads(t *testing.T, target string) {
	s := incrementalStack(t, target)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
	incrementalLoad(t, s, "staging_songs   objects: 6 new, 0 changed, 0 skipped (loaded before)",
		"staging_events  objects: 1 new, 0 changed, 0 skipped (loaded before)")

	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	incrementalLoad(t, s, "staging_songs   objects: 0 new, 0 changed, 6 skipped (loaded before)",
		"staging_events  objects: 1 new, 0 changed, 1 skipped (loaded before)")
	assertTables(t, dump(t, s.DatabaseURL), want)

	out := incrementalLoad(t, s, "staging_songs   objects: 0 new, 0 changed, 6 skipped (loaded before)",
		"staging_events  objects: 0 new, 0 changed, 2 skipped (loaded before)")
	for _, table := range []string{"songplays", "users", "songs", "artists", "time"} {
		if !strings.Contains(out, fmt.Sprintf("  %-10s %9d %9d", table, 0, 0)) {
			t.Errorf("a load with nothing new changed %s:\n%s", table, out)
		}
	}
	assertTables(t, dump(t, s.DatabaseURL), want)

	// A changed object (same key, new content) is staged again.
	day2 := "log_data/2018/11/2018-11-02-events.json"
	body, err := os.ReadFile(filepath.Join(fixture, day2))
	if err != nil {
		t.Fatal(err)
	}
	s.Put(t, day2, append(body, '\n'))
	incrementalLoad(t, s, "staging_events  objects: 0 new, 1 changed, 1 skipped (loaded before)")
	assertTables(t, dump(t, s.DatabaseURL), want)

	t.Setenv("SPARKIFY_FULL_REFRESH", "true")
	incrementalLoad(t, s, "staging_songs   objects: 6 new, 0 changed, 0 skipped (loaded before)",
		"staging_events  objects: 2 new, 0 changed, 0 skipped (loaded before)")
	assertTables(t, dump(t, s.DatabaseURL), want)
}

// testSongArrivingAfterItsPlays: a song loaded after its plays matches them
// in the load that brings it, without their log files being staged again,
// and the tables equal those of one full load.
func testSongArrivingAfterItsPlays(t *testing.T, target string) {
	s := incrementalStack(t, target)
	late := "song_data/B/B/C/TRBBCJQ128F9314D38.json" // Heartbeats, played by user 49 on day 1
	if _, err := s.S3Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(late)}); err != nil {
		t.Fatal(err)
	}
	incrementalLoad(t, s)
	if got := dump(t, s.DatabaseURL)["songplays"][3]; !strings.Contains(got, "|49|free|NULL|NULL|") {
		t.Fatalf("play 4 before its song arrived = %s, want it unmatched", got)
	}

	body, err := os.ReadFile(filepath.Join(fixture, late))
	if err != nil {
		t.Fatal(err)
	}
	s.Put(t, late, body)
	out := incrementalLoad(t, s, "staging_songs   objects: 1 new, 0 changed, 5 skipped (loaded before)",
		"staging_events  objects: 0 new, 0 changed, 2 skipped (loaded before)")
	if !strings.Contains(out, "  songplays          0         1         8\n") {
		t.Errorf("the late song should update one play:\n%s", out)
	}
	assertTables(t, dump(t, s.DatabaseURL), want)
}
