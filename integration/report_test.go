//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/report"
)

// readSummary decodes summary.json of the report folder.
func readSummary(t *testing.T, dir string) report.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, report.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var s report.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return s
}

// assertSummary compares every number of the summary with want; the
// generation time and the chart list are checked elsewhere.
func assertSummary(t *testing.T, got, want report.Summary) {
	t.Helper()
	got.GeneratedAt, want.GeneratedAt = time.Time{}, time.Time{}
	got.Charts, want.Charts = nil, nil
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"schema_version", got.SchemaVersion, want.SchemaVersion},
		{"empty", got.Empty, want.Empty},
		{"period", got.Period, want.Period},
		{"table_rows", got.TableRows, want.TableRows},
		{"plays", got.Plays, want.Plays},
		{"users", got.Users, want.Users},
		{"days", got.Days, want.Days},
		{"plays_by_hour", got.PlaysByHour, want.PlaysByHour},
		{"plays_by_weekday_hour", got.PlaysByWeekdayHour, want.PlaysByWeekdayHour},
		{"weekday_counts", got.WeekdayCounts, want.WeekdayCounts},
		{"plays_by_weekday_hour_avg", got.PlaysByWeekdayHourAvg, want.PlaysByWeekdayHourAvg},
		{"top_songs", got.TopSongs, want.TopSongs},
		{"top_artists", got.TopArtists, want.TopArtists},
		{"top_users", got.TopUsers, want.TopUsers},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			g, _ := json.Marshal(f.got)
			w, _ := json.Marshal(f.want)
			t.Errorf("%s:\n got %s\nwant %s", f.name, g, w)
		}
	}
}

// assertFiles checks the report folder: every chart's PNG decodes at its
// size and is not blank, its SVG is an <svg> document, and index.html shows
// every chart's SVG.
func assertFiles(t *testing.T, dir string, s report.Summary) {
	t.Helper()
	if got, want := 2*len(s.Charts), len(report.ChartFiles()); got != want {
		t.Fatalf("%d charts (PNG and SVG), want %d files", len(s.Charts), want)
	}
	page, err := os.ReadFile(filepath.Join(dir, report.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Charts {
		b, err := os.ReadFile(filepath.Join(dir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		if img.Bounds().Dx() != c.Width || img.Bounds().Dy() != c.Height {
			t.Errorf("%s is %v, want %d×%d", c.File, img.Bounds().Size(), c.Width, c.Height)
		}
		colours := map[[4]uint32]bool{}
		for y := 0; y < c.Height; y += 3 {
			for x := 0; x < c.Width; x += 3 {
				r, g, b, a := img.At(x, y).RGBA()
				colours[[4]uint32{r, g, b, a}] = true
			}
		}
		if len(colours) < 4 {
			t.Errorf("%s is blank (%d colours)", c.File, len(colours))
		}
		svg, err := os.ReadFile(filepath.Join(dir, c.SVG))
		if err != nil {
			t.Fatal(err)
		}
		var root struct{ XMLName xml.Name }
		if err := xml.Unmarshal(svg, &root); err != nil || root.XMLName.Local != "svg" {
			t.Errorf("%s is not an SVG document: root %v, %v", c.SVG, root.XMLName, err)
		}
		if !bytes.Contains(page, []byte(`<img src="`+c.SVG+`"`)) {
			t.Errorf("index.html does not show %s", c.SVG)
		}
	}
}

// testReportBeforeAnyLoad: a warehouse whose tables were never created
// yields the "no song plays" page and exit 0.

func testReportBeforeAnyLoad(t *testing.T, target string) {
	s := startStack(t)
	s.Env(t)
	s.UseTarget(t, target)
	dir := os.Getenv("SPARKIFY_REPORT_DIR")
	code, out, errOut := runJob(t, context.Background(), "-phase", "report")
	if code != 0 {
		t.Fatalf("report exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "no song plays are loaded yet") {
		t.Errorf("stdout: %s", out)
	}
	sum := readSummary(t, dir)
	if !sum.Empty || sum.Plays.Total != 0 || len(sum.Days) != 0 || len(sum.Charts) != 0 || sum.TableRows != (report.TableRows{}) {
		t.Errorf("summary of an empty warehouse: %+v", sum)
	}
	page, err := os.ReadFile(filepath.Join(dir, report.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("No song plays are loaded yet")) || bytes.Contains(page, []byte("<img")) {
		t.Errorf("index.html of an empty warehouse:\n%s", page)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	svgs, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	if len(pngs)+len(svgs) != 0 {
		t.Errorf("charts written for an empty warehouse: %v %v", pngs, svgs)
	}
	var tables int
	if err := s.Conn(t).QueryRow(context.Background(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("the report created %d tables (%v); it must only read", tables, err)
	}
}

// testLoadReportFixture runs load,report on the fixture and checks every
// number of summary.json against testdata/load_report_fixture.summary.json,
// whose numbers are worked out by hand from the fixture's eight song plays
// (see testdata/fixture/README.md and load_test.go's want tables), and the
// upload of the files to the bucket.

func testLoadReportFixture(t *testing.T, target string) {
	s := fixtureStack(t, target)
	dir := os.Getenv("SPARKIFY_REPORT_DIR")
	t.Setenv("SPARKIFY_REPORT_URI", "s3://"+s.Bucket+"/reports/sparkify")
	code, out, errOut := runJob(t, context.Background(), "-phase", "load,report")
	if code != 0 {
		t.Fatalf("load,report exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	got := readSummary(t, dir)

	// Plays: 1-5 on Thu 2018-11-01, 6-8 on Fri 2018-11-02.
	//   1 03:01 u10 F free matched   2 03:04 u10 F free unmatched
	//   3 13:00 u26 M free matched   4 21:35 u49 F free matched
	//   5 21:35 u80 F paid matched   6 01:01 u10 F paid matched (after upgrading)
	//   7 01:04 u10 F paid unmatched 8 12:59 u26 M free matched
	// So 4 users with plays (10, 26, 49, 80; user 7 has none) in 6 sessions
	// ((10,100) (26,200) (49,400) (80,300) (10,101) (26,201)); of the 5
	// users, 10 (upgraded) and 80 are paid, and 10 went free to paid. One
	// each of Thursday and Friday, so the weekday averages are the totals.
	want := goldenSummary(t, "load_report_fixture", got, summaryNumbers...)
	assertSummary(t, got, want)
	assertFiles(t, dir, got)
	// The load just committed: the data is fresh, and the page says as of
	// which load.
	if l := got.Loads; l == nil || l.Last == nil || l.LastCommitted != l.Last && *l.LastCommitted != *l.Last ||
		l.Last.Status != "committed" || len(l.Warnings) != 0 || l.MaxAgeHours != 36 {
		t.Errorf("loads = %+v", got.Loads)
	}

	// The files are uploaded to reports/sparkify/<UTC date of generation>/
	// and to reports/sparkify/latest/.
	prefix := "reports/sparkify/" + got.GeneratedAt.UTC().Format("2006-01-02") + "/"
	if !strings.Contains(out, "report uploaded to s3://"+s.Bucket+"/"+prefix+"\n") {
		t.Errorf("stdout does not name the upload:\n%s", out)
	}
	ctx := context.Background()
	client := s.S3Client()
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket), Prefix: aws.String("reports/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys, wantKeys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	for _, p := range []string{prefix, "reports/sparkify/latest/"} {
		for _, f := range append(report.ChartFiles(), report.SummaryFile, report.IndexFile) {
			wantKeys = append(wantKeys, p+f)
		}
	}
	sort.Strings(wantKeys)
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("uploaded keys %v, want %v", keys, wantKeys)
	}
	for _, f := range []string{report.IndexFile, report.SummaryFile, "plays_by_weekday_hour.png", "plays_by_weekday_hour.svg"} {
		obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(prefix + f)})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		local, _ := os.ReadFile(filepath.Join(dir, f))
		if !bytes.Equal(body, local) {
			t.Errorf("uploaded %s differs from the local file", f)
		}
		if ct := aws.ToString(obj.ContentType); ct != report.ContentType(f) {
			t.Errorf("%s uploaded as %q, want %q", f, ct, report.ContentType(f))
		}
	}

	// A second report of the same warehouse gives the same numbers.
	code, _, errOut = runJob(t, context.Background(), "-phase", "report")
	if code != 0 {
		t.Fatalf("second report exited %d: %s", code, errOut)
	}
	assertSummary(t, readSummary(t, dir), want)
}

// handMade is a second dataset, made for the report: a day without plays
// (Sat 2018-11-03), a session across midnight, a user without gender, users
// who move free -> paid (by a play, and by a later page view only) and
// paid -> free, ties in every top-10 list, a song never played, an unmatched
// play, and names that need HTML escaping.
func handMade(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	type song struct {
		NumSongs int      `json:"num_songs"`
		ArtistID string   `json:"artist_id"`
		Lat      *float64 `json:"artist_latitude"`
		Lon      *float64 `json:"artist_longitude"`
		Location string   `json:"artist_location"`
		Artist   string   `json:"artist_name"`
		SongID   string   `json:"song_id"`
		Title    string   `json:"title"`
		Duration float64  `json:"duration"`
		Year     int      `json:"year"`
		file     string
	}
	for _, s := range []song{
		{1, "ARAAAAA1187B9A0001", nil, nil, "", "Artist One", "SOAAAAA12A8C000001", "Alpha", 200.0, 2001, "A/A/A/TRAAAAA128F0000001.json"},
		{1, "ARAAAAA1187B9A0001", nil, nil, "", "Artist One", "SOBBBBB12A8C000002", "Beta", 180.5, 2002, "A/A/B/TRAAABB128F0000002.json"},
		{1, "ARBBBBB1187B9A0002", nil, nil, "Paris", "Zoë & <Co>", "SOCCCCC12A8C000003", "Gamma <b>&", 150.25, 0, "A/B/C/TRABCCC128F0000003.json"},
		{1, "ARCCCCC1187B9A0003", nil, nil, "", "Third", "SODDDDD12A8C000004", "Delta", 100.0, 1999, "B/A/A/TRBAADD128F0000004.json"},
	} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		write("song_data/"+s.file, string(b)+"\n")
	}

	type event struct {
		Artist        *string  `json:"artist"`
		Auth          string   `json:"auth"`
		FirstName     *string  `json:"firstName"`
		Gender        *string  `json:"gender"`
		ItemInSession int      `json:"itemInSession"`
		LastName      *string  `json:"lastName"`
		Length        *float64 `json:"length"`
		Level         string   `json:"level"`
		Location      *string  `json:"location"`
		Method        string   `json:"method"`
		Page          string   `json:"page"`
		Registration  *float64 `json:"registration"`
		SessionID     int      `json:"sessionId"`
		Song          *string  `json:"song"`
		Status        int      `json:"status"`
		TS            int64    `json:"ts"`
		UserAgent     *string  `json:"userAgent"`
		UserID        string   `json:"userId"`
	}
	str := func(s string) *string { return &s }
	num := func(f float64) *float64 { return &f }
	type user struct{ id, first, last, gender string }
	ann := user{"1", "Ann", "Alder", "F"}
	bob := user{"2", "Bob", "Birch", "M"}
	cat := user{"3", "Cat", "Cedar", "F"}
	dan := user{"4", "Dan", "Dogwood", "M"}
	eve := user{"5", "Eve", "Elm", ""} // no gender
	ts := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	mk := func(u user, session, item int, when, level, page, songTitle, artist string, length float64) event {
		e := event{
			Auth: "Logged In", FirstName: str(u.first), LastName: str(u.last), ItemInSession: item,
			Level: level, Location: str("Somewhere, ST"), Method: "PUT", Page: page, Registration: num(1540000000000),
			SessionID: session, Status: 200, TS: ts(when), UserAgent: str(`"Mozilla/5.0"`), UserID: u.id,
		}
		if u.gender != "" {
			e.Gender = str(u.gender)
		}
		if page == "NextSong" {
			e.Song, e.Artist, e.Length = str(songTitle), str(artist), num(length)
		} else {
			e.Method = "GET"
		}
		return e
	}
	play := func(u user, session, item int, when, level, title, artist string, length float64) event {
		return mk(u, session, item, when, level, "NextSong", title, artist, length)
	}
	days := map[string][]event{
		"2018-11-01": { // Thursday
			play(ann, 10, 0, "2018-11-01 10:00:00", "free", "Alpha", "Artist One", 200.0),
			play(ann, 10, 1, "2018-11-01 10:03:20", "free", "Beta", "Artist One", 180.5),
			play(cat, 30, 0, "2018-11-01 10:30:00", "free", "Gamma <b>&", "Zoë & <Co>", 150.25),
			play(bob, 20, 0, "2018-11-01 23:50:00", "paid", "Alpha", "Artist One", 200.0),
			{Auth: "Logged Out", Level: "free", Method: "PUT", Page: "Login", SessionID: 99, Status: 307, TS: ts("2018-11-01 11:00:00")},
		},
		"2018-11-02": { // Friday
			play(bob, 20, 1, "2018-11-02 00:10:00", "paid", "Unknown Song", "Nobody", 99.0), // same session, after midnight; unmatched
			mk(dan, 40, 0, "2018-11-02 12:00:00", "free", "Home", "", "", 0),                // a user without plays
		},
		// 2018-11-03 (Saturday): no events at all.
		"2018-11-04": { // Sunday
			play(ann, 11, 0, "2018-11-04 09:00:00", "paid", "Alpha", "Artist One", 200.0),
			play(bob, 21, 0, "2018-11-04 09:15:00", "free", "Gamma <b>&", "Zoë & <Co>", 150.25),
			play(eve, 50, 0, "2018-11-04 18:00:00", "paid", "Beta", "Artist One", 180.5),
			play(eve, 50, 1, "2018-11-04 18:03:00", "paid", "Alpha", "Artist One", 200.0),
			mk(cat, 31, 0, "2018-11-04 20:00:00", "paid", "Home", "", "", 0), // upgraded, no paid play yet
		},
	}
	for day, events := range days {
		var b strings.Builder
		for _, e := range events {
			line, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		write("log_data/2018/11/"+day+"-events.json", b.String())
	}
	return dir
}

// testLoadReportHandMade checks the report's rules on handMade against
// testdata/load_report_hand_made.summary.json, every number of it worked out
// by hand from its nine song plays:
//
//	P1 Thu 10:00 Ann  free Alpha    P2 Thu 10:03 Ann free Beta
//	P3 Thu 10:30 Cat  free Gamma    P4 Thu 23:50 Bob paid Alpha (session 20)
//	P5 Fri 00:10 Bob  paid unmatched (session 20, after midnight)
//	P6 Sun 09:00 Ann  paid Alpha    P7 Sun 09:15 Bob free Gamma
//	P8 Sun 18:00 Eve  paid Beta     P9 Sun 18:03 Eve paid Alpha

func testLoadReportHandMade(t *testing.T, target string) {
	s := startStack(t)
	s.Upload(t, handMade(t), "")
	s.Env(t)
	s.UseTarget(t, target)
	dir := os.Getenv("SPARKIFY_REPORT_DIR")
	code, out, errOut := runJob(t, context.Background(), "-phase", "load,report")
	if code != 0 {
		t.Fatalf("load,report exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	got := readSummary(t, dir)
	// Plays: 4 free (P1 P2 P3 P7), 5 paid; F: Ann 3, Cat 1; M: Bob 3; no
	// gender: Eve 2; sessions (1,10) (3,30) (2,20) (1,11) (2,21) (5,50).
	// Users by their latest event: Ann P6 paid, Bob P7 free, Cat Home paid,
	// Dan Home free, Eve P9 paid; free to paid: Ann (P2 free, P6 paid) and
	// Cat (free play, now paid); paid to free: Bob (P5 paid, P7 free).
	// Saturday 2018-11-03 has no plays: zeros, not null; ties in the top
	// lists go by song_id (Beta before Gamma) and user_id (Ann before Bob).
	want := goldenSummary(t, "load_report_hand_made", got, summaryNumbers...)
	assertSummary(t, got, want)
	assertFiles(t, dir, got)

	page, err := os.ReadFile(filepath.Join(dir, report.IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Gamma &lt;b&gt;&amp;", "Zoë &amp; &lt;Co&gt;", "2018-11-01 10:00:00", "2018-11-04 18:03:00", "4 days (2018-11-01 to 2018-11-04), 3 of them with plays"} {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("index.html lacks %q", w)
		}
	}
	if bytes.Contains(page, []byte("<Co>")) || bytes.Contains(page, []byte("<b>&")) {
		t.Error("index.html holds unescaped data")
	}

	// The redshift target reads with the simple query protocol (text
	// results, no prepared statements); the same queries must give the same
	// numbers through it.
	t.Setenv("SPARKIFY_TARGET", "redshift")
	code, out, errOut = runJob(t, context.Background(), "-phase", "report")
	if code != 0 {
		t.Fatalf("report with the redshift target's connection exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	assertSummary(t, readSummary(t, dir), want)
}
