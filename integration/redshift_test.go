//go:build integration

package integration

import (
	"context"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestRedshiftVerifiesTheServerCertificate: without sslmode in the URL the
// job verifies the server's certificate against the system roots, which do
// not hold the emulator's CA, so it refuses to connect.
func TestRedshiftVerifiesTheServerCertificate(t *testing.T) {
	s := fixtureStack(t, "redshift")
	u, err := url.Parse(os.Getenv("SPARKIFY_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = ""
	t.Setenv("SPARKIFY_DATABASE_URL", u.String())
	code, _, errOut := runJob(t, context.Background(), "-phase", "load")
	if code != 2 || !strings.Contains(errOut, "certificate signed by unknown authority") {
		t.Fatalf("exit %d, want 2 and a certificate error:\n%s", code, errOut)
	}
	assertNoStarTables(t, s)
}

// TestRedshiftCopyFailingBeforeAnyRow: a missing jsonpaths file fails the
// logs' COPY before it reads a row; the error is Redshift's own, and the job
// does not pass off the songs COPY's records as this one's.
func TestRedshiftCopyFailingBeforeAnyRow(t *testing.T) {
	forTargets(t, []string{"redshift", "redshift-serverless"}, func(t *testing.T, target string) {
		s := fixtureStack(t, target)
		t.Setenv("SPARKIFY_LOG_JSONPATH", "s3://"+s.Bucket+"/config/missing.json")
		code, _, errOut := runJob(t, context.Background(), "-phase", "load")
		if code != 1 {
			t.Fatalf("exit %d, want 1:\n%s", code, errOut)
		}
		for _, want := range []string{"sql/redshift/copy_events.sql", "missing.json", "holds no row for this COPY: it failed before loading any data"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		assertNoStarTables(t, s)
	})
}

// TestBadValuesHaveTheSameOutcomeOnBothTargets: a value longer than its
// column and invalid UTF-8 are malformed records on both targets, skipped
// within SPARKIFY_MAX_ERRORS with the same tables; a userId that is not a
// number fails the load on both, naming the key.
func TestBadValuesHaveTheSameOutcomeOnBothTargets(t *testing.T) {
	good := `{"artist":null,"auth":"Logged In","firstName":"Ann","gender":"F","itemInSession":0,"lastName":"Lee","length":null,"level":"free","location":"X","method":"PUT","page":"NextSong","registration":null,"sessionId":1,"song":"S","status":200,"ts":1541121934796,"userAgent":"ua","userId":"5"}`
	long := strings.Replace(strings.Replace(good, `"level":"free"`, `"level":"`+strings.Repeat("p", 17)+`"`, 1), `"itemInSession":0`, `"itemInSession":1`, 1)
	badUTF8 := strings.Replace(strings.Replace(good, `"firstName":"Ann"`, "\"firstName\":\"A\xffn\"", 1), `"itemInSession":0`, `"itemInSession":2`, 1)
	song := `{"num_songs":1,"artist_id":"AR1","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"A","song_id":"SO1","title":"T","duration":1.5,"year":0}`
	tables := map[string]map[string][]string{}
	forTargets(t, engines, func(t *testing.T, target string) {
		s := startStack(t)
		s.Put(t, "song_data/A/TRA1.json", []byte(song))
		s.Put(t, "log_data/2018/11/2018-11-02-events.json", []byte(good+"\n"+long+"\n"+badUTF8+"\n"))
		s.Env(t)
		s.UseTarget(t, target)
		t.Setenv("SPARKIFY_MAX_ERRORS", "2")
		code, out, errOut := runJob(t, context.Background(), "-phase", "load")
		if code != 0 || !strings.Contains(out, "malformed records skipped: 2\n") {
			t.Fatalf("exit %d, want 0 with 2 records skipped\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		tables[target] = dump(t, s.DatabaseURL)
		if len(tables[target]["songplays"]) != 1 {
			t.Errorf("songplays = %q, want the one good play", tables[target]["songplays"])
		}

		s.Put(t, "log_data/2018/11/2018-11-03-events.json", []byte(strings.Replace(good, `"userId":"5"`, `"userId":"abc"`, 1)+"\n"))
		code, _, errOut = runJob(t, context.Background(), "-phase", "load")
		if code != 1 || !strings.Contains(errOut, "1 log events whose userId is neither empty nor a number") {
			t.Fatalf("exit %d, want 1 naming userId:\n%s", code, errOut)
		}
		assertTables(t, dump(t, s.DatabaseURL), tables[target])
	})
	if len(tables) == 2 {
		assertTables(t, tables["redshift"], tables["postgres"])
	}
}

// assertNoStarTables checks that nothing was committed to a new warehouse:
// not even the star tables exist.
func assertNoStarTables(t *testing.T, s *Stack) {
	t.Helper()
	var n int
	err := s.Conn(t).QueryRow(context.Background(),
		"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('songplays', 'users', 'songs', 'artists', 'time')").Scan(&n)
	if err != nil || n != 0 {
		t.Errorf("%d star tables exist (%v), want none", n, err)
	}
}

// TestCopyReadsExactlyTheJobsObjects: next to the fixture, the bucket holds
// a song in song_data_old/ (outside the song_data folder) and a non-.json
// object in song_data/. The Postgres stager reads neither. Redshift's COPY
// of the prefix would read both, so without SPARKIFY_STAGING_URI the job
// refuses, naming an object and the fix; with it, each COPY reads a
// manifest of the job's own listing, the tables equal the Postgres ones, and
// the manifests are removed afterwards.
func TestCopyReadsExactlyTheJobsObjects(t *testing.T) {
	old := `{"num_songs":1,"artist_id":"AROLD","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"Old","song_id":"SOOLD","title":"Old","duration":1.5,"year":0}`
	forTargets(t, append(engines, "redshift-serverless"), func(t *testing.T, target string) {
		s := fixtureStack(t, target)
		s.Put(t, "song_data_old/TROLD.json", []byte(old))
		s.Put(t, "song_data/notes.txt", []byte("not a song\n"))
		if target != "postgres" {
			code, _, errOut := runJob(t, context.Background(), "-phase", "load")
			wantMsg := "SPARKIFY_SONG_DATA: COPY FROM s3://" + s.Bucket + "/song_data would also read s3://" + s.Bucket + "/song_data/notes.txt (2 objects in all)"
			if code != 2 || !strings.Contains(errOut, wantMsg) || !strings.Contains(errOut, "set SPARKIFY_STAGING_URI") {
				t.Fatalf("exit %d, want 2 with %q:\n%s", code, wantMsg, errOut)
			}
			assertNoStarTables(t, s)
			t.Setenv("SPARKIFY_STAGING_URI", "s3://"+s.Bucket+"/staging")
		}
		mustLoad(t)
		assertTables(t, dump(t, s.DatabaseURL), want)
		list, err := s.S3Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String("staging/")})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Contents) != 0 {
			t.Errorf("%d objects left under staging/, want the manifests removed", len(list.Contents))
		}
	})
}

// testKeysDifferingByTrailingBlanksAreOneKey: Redshift ignores trailing
// blanks when it compares VARCHARs, so "SOTB1" and "SOTB1 " would be one
// song there and two on Postgres. The transforms trim keys, so both targets
// keep one song and one artist.
func testKeysDifferingByTrailingBlanksAreOneKey(t *testing.T, target string) {
	song := func(songID, artistID, title string) []byte {
		return []byte(`{"num_songs":1,"artist_id":"` + artistID + `","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"A","song_id":"` + songID + `","title":"` + title + `","duration":1.5,"year":2000}`)
	}
	s := startStack(t)
	s.Put(t, "song_data/A/TR1.json", song("SOTB1", "ARTB1", "One"))
	s.Put(t, "song_data/A/TR2.json", song("SOTB1 ", "ARTB1  ", "One"))
	s.Put(t, "log_data/2018/11/2018-11-02-events.json", []byte(`{"page":"Home","ts":1541121934796,"userId":"5","sessionId":1,"itemInSession":0,"level":"free"}`+"\n"))
	s.Env(t)
	s.UseTarget(t, target)
	mustLoad(t)
	got := dump(t, s.DatabaseURL)
	assertTables(t, map[string][]string{"songs": got["songs"], "artists": got["artists"]}, map[string][]string{
		"songs":   {"SOTB1|One|ARTB1|2000|1.5"},
		"artists": {"ARTB1|A|NULL|NULL|NULL"},
	})
}

// TestStaleManifestsAreRemoved: manifests that a killed load left under
// SPARKIFY_STAGING_URI (older than SPARKIFY_LOCK_TIMEOUT and an hour) are
// removed by the next load; a recent load's, and what is not a load's
// folder, stay.
func TestStaleManifestsAreRemoved(t *testing.T) {
	s := incrementalStack(t, "redshift")
	recent := "staging/manifests/" + time.Now().UTC().Format("20060102T150405Z") + "-cafebabe/logs.manifest"
	old := "staging/manifests/20200101T000000Z-deadbeef/logs.manifest"
	other := "staging/manifests/notes/README"
	for _, k := range []string{recent, old, other} {
		s.Put(t, k, []byte(`{"entries": []}`))
	}
	mustLoad(t)
	list, err := s.S3Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String("staging/")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range list.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	if want := []string{recent, other}; !slices.Equal(got, want) { // in key order
		t.Errorf("staging holds %q, want %q", got, want)
	}
}
