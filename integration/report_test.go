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

func zeros24() []int64 { return make([]int64, 24) }

func grid(cells map[[2]int]int64) [][]int64 {
	g := make([][]int64, 7)
	for i := range g {
		g[i] = zeros24()
	}
	for k, v := range cells {
		g[k[0]][k[1]] = v
	}
	return g
}

// avgRow is one weekday's 24 hourly averages, zero but for cells.
func avgRow(cells map[int]float64) []float64 {
	r := make([]float64, 24)
	for h, v := range cells {
		r[h] = v
	}
	return r
}

func share(f float64) *float64 { return &f }

func at(s string) *time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.000", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// TestReportBeforeAnyLoad: a warehouse whose tables were never created
// yields the "no song plays" page and exit 0.
func TestReportBeforeAnyLoad(t *testing.T) { forTargets(t, targets, testReportBeforeAnyLoad) }

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

// TestLoadReportFixture runs load,report on the fixture and checks every
// number of summary.json, worked out by hand from the fixture's eight song
// plays (see testdata/fixture/README.md and load_test.go's want tables), and
// the upload of the files to the bucket.
func TestLoadReportFixture(t *testing.T) { forTargets(t, targets, testLoadReportFixture) }

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
	want := report.Summary{
		SchemaVersion: report.SchemaVersion,
		Period: report.Period{
			FirstPlay: at("2018-11-01 03:01:00.796"), LastPlay: at("2018-11-02 12:59:00.000"),
			FirstDay: "2018-11-01", LastDay: "2018-11-02", Days: 2, DaysWithPlays: 2,
		},
		TableRows: report.TableRows{Songplays: 8, Users: 5, Songs: 6, Artists: 5, Time: 7},
		Plays: report.Plays{
			Total: 8, Matched: 6, Unmatched: 2, MatchedShare: 0.75,
			ByLevel:   map[string]int64{"free": 5, "paid": 3},
			ByGender:  map[string]int64{"F": 6, "M": 2},
			PaidShare: 0.375,
			Users:     4, // 10, 26, 49, 80 (user 7 has no plays)
			Sessions:  6, // (10,100) (26,200) (49,400) (80,300) (10,101) (26,201)
		},
		Users: report.Users{
			Total:      5,
			ByLevel:    map[string]int64{"free": 3, "paid": 2}, // paid: 10 (upgraded), 80
			ByGender:   map[string]int64{"F": 4, "M": 1},
			FreeToPaid: 1, // user 10
			PaidToFree: 0,
		},
		Days: []report.Day{
			{Date: "2018-11-01", Plays: 5, ByGender: map[string]int64{"F": 4, "M": 1}, ByLevel: map[string]int64{"free": 4, "paid": 1}, PaidShare: share(1.0 / 5), Sessions: 4},
			{Date: "2018-11-02", Plays: 3, ByGender: map[string]int64{"F": 2, "M": 1}, ByLevel: map[string]int64{"free": 1, "paid": 2}, PaidShare: share(2.0 / 3), Sessions: 2},
		},
		PlaysByHour:        []int64{0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0},
		PlaysByWeekdayHour: grid(map[[2]int]int64{{4, 3}: 2, {4, 13}: 1, {4, 21}: 2, {5, 1}: 2, {5, 12}: 1}),
		// Thu 2018-11-01 and Fri 2018-11-02: one of each, so the averages
		// are the totals; no other weekday has any.
		WeekdayCounts: []int{0, 0, 0, 0, 1, 1, 0},
		PlaysByWeekdayHourAvg: [][]float64{nil, nil, nil, nil,
			avgRow(map[int]float64{3: 2, 13: 1, 21: 2}), avgRow(map[int]float64{1: 2, 12: 1}), nil},
		TopSongs: []report.TopSong{
			{Rank: 1, SongID: "SOMZWCG12A8C13C480", Title: "I Didn't Mean To", ArtistName: "Casual", Plays: 2},
			{Rank: 2, SongID: "SOFSOCN12A8C143F5D", Title: "Face the Ashes", ArtistName: "GOB", Plays: 1},
			{Rank: 3, SongID: "SOGDBUF12A8C140FAA", Title: "Paris Is Burning", ArtistName: "GOB", Plays: 1},
			{Rank: 4, SongID: "SOHBEAT12A6D4F7F31", Title: "Heartbeats", ArtistName: "JosÃ© GonzÃ¡lez", Plays: 1},
			{Rank: 5, SongID: "SOHOPPI12AB0186C9B", Title: "Hoppípolla", ArtistName: "Sigur Rós", Plays: 1},
		},
		TopArtists: []report.TopArtist{
			{Rank: 1, ArtistID: "ARD7TVE1187B99BFB1", Name: "Casual", Plays: 2},
			{Rank: 2, ArtistID: "ARXR32B1187FB57099", Name: "GOB", Plays: 2},
			{Rank: 3, ArtistID: "ARH4Z031187B9A71F2", Name: "Sigur Rós", Plays: 1},
			{Rank: 4, ArtistID: "ARJ7KF01187B98D717", Name: "JosÃ© GonzÃ¡lez", Plays: 1},
		},
		TopUsers: []report.TopUser{
			{Rank: 1, UserID: 10, FirstName: "Sylvie", LastName: "Cruz", Level: "paid", Plays: 4},
			{Rank: 2, UserID: 26, FirstName: "Ryan", LastName: "Smith", Level: "free", Plays: 2},
			{Rank: 3, UserID: 49, FirstName: "Zoë", LastName: "Ångström", Level: "free", Plays: 1},
			{Rank: 4, UserID: 80, FirstName: "Tegan", LastName: "Levine", Level: "paid", Plays: 1},
		},
	}
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

// TestLoadReportHandMade checks the report's rules on handMade, with every
// number worked out by hand from its nine song plays:
//
//	P1 Thu 10:00 Ann  free Alpha    P2 Thu 10:03 Ann free Beta
//	P3 Thu 10:30 Cat  free Gamma    P4 Thu 23:50 Bob paid Alpha (session 20)
//	P5 Fri 00:10 Bob  paid unmatched (session 20, after midnight)
//	P6 Sun 09:00 Ann  paid Alpha    P7 Sun 09:15 Bob free Gamma
//	P8 Sun 18:00 Eve  paid Beta     P9 Sun 18:03 Eve paid Alpha
func TestLoadReportHandMade(t *testing.T) { forTargets(t, targets, testLoadReportHandMade) }

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
	zeroDay := func(d string) report.Day {
		return report.Day{Date: d, ByGender: map[string]int64{"F": 0, "M": 0, "unknown": 0}, ByLevel: map[string]int64{"free": 0, "paid": 0}}
	}
	want := report.Summary{
		SchemaVersion: report.SchemaVersion,
		Period: report.Period{
			FirstPlay: at("2018-11-01 10:00:00.000"), LastPlay: at("2018-11-04 18:03:00.000"),
			FirstDay: "2018-11-01", LastDay: "2018-11-04", Days: 4, DaysWithPlays: 3,
		},
		TableRows: report.TableRows{Songplays: 9, Users: 5, Songs: 4, Artists: 3, Time: 9},
		Plays: report.Plays{
			Total: 9, Matched: 8, Unmatched: 1, MatchedShare: 8.0 / 9,
			ByLevel:   map[string]int64{"free": 4, "paid": 5},         // free: P1 P2 P3 P7
			ByGender:  map[string]int64{"F": 4, "M": 3, "unknown": 2}, // F: Ann 3, Cat 1; M: Bob 3; Eve 2
			PaidShare: 5.0 / 9,
			Users:     4, // Ann, Bob, Cat, Eve
			Sessions:  6, // (1,10) (3,30) (2,20) (1,11) (2,21) (5,50)
		},
		Users: report.Users{
			Total: 5,
			// Latest events: Ann P6 paid, Bob P7 free, Cat Home paid, Dan Home free, Eve P9 paid.
			ByLevel:    map[string]int64{"free": 2, "paid": 3},
			ByGender:   map[string]int64{"F": 2, "M": 2, "unknown": 1},
			FreeToPaid: 2, // Ann (P2 free, P6 paid), Cat (free play, now paid)
			PaidToFree: 1, // Bob (P5 paid, P7 free)
		},
		Days: []report.Day{
			{Date: "2018-11-01", Plays: 4, ByGender: map[string]int64{"F": 3, "M": 1, "unknown": 0}, ByLevel: map[string]int64{"free": 3, "paid": 1}, PaidShare: share(0.25), Sessions: 3},
			{Date: "2018-11-02", Plays: 1, ByGender: map[string]int64{"F": 0, "M": 1, "unknown": 0}, ByLevel: map[string]int64{"free": 0, "paid": 1}, PaidShare: share(1), Sessions: 1},
			zeroDay("2018-11-03"),
			{Date: "2018-11-04", Plays: 4, ByGender: map[string]int64{"F": 1, "M": 1, "unknown": 2}, ByLevel: map[string]int64{"free": 1, "paid": 3}, PaidShare: share(0.75), Sessions: 3},
		},
		PlaysByHour:        []int64{1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1},
		PlaysByWeekdayHour: grid(map[[2]int]int64{{4, 10}: 3, {4, 23}: 1, {5, 0}: 1, {0, 9}: 2, {0, 18}: 2}),
		// Thu 2018-11-01 to Sun 2018-11-04: one each of Thu, Fri, Sat (no
		// plays: zeros, not null) and Sun; no Monday to Wednesday.
		WeekdayCounts: []int{1, 0, 0, 0, 1, 1, 1},
		PlaysByWeekdayHourAvg: [][]float64{avgRow(map[int]float64{9: 2, 18: 2}), nil, nil, nil,
			avgRow(map[int]float64{10: 3, 23: 1}), avgRow(map[int]float64{0: 1}), avgRow(nil)},
		TopSongs: []report.TopSong{
			{Rank: 1, SongID: "SOAAAAA12A8C000001", Title: "Alpha", ArtistName: "Artist One", Plays: 4},
			{Rank: 2, SongID: "SOBBBBB12A8C000002", Title: "Beta", ArtistName: "Artist One", Plays: 2}, // tie with Gamma: by song_id
			{Rank: 3, SongID: "SOCCCCC12A8C000003", Title: "Gamma <b>&", ArtistName: "Zoë & <Co>", Plays: 2},
		},
		TopArtists: []report.TopArtist{
			{Rank: 1, ArtistID: "ARAAAAA1187B9A0001", Name: "Artist One", Plays: 6},
			{Rank: 2, ArtistID: "ARBBBBB1187B9A0002", Name: "Zoë & <Co>", Plays: 2},
		},
		TopUsers: []report.TopUser{
			{Rank: 1, UserID: 1, FirstName: "Ann", LastName: "Alder", Level: "paid", Plays: 3}, // tie with Bob: by user_id
			{Rank: 2, UserID: 2, FirstName: "Bob", LastName: "Birch", Level: "free", Plays: 3},
			{Rank: 3, UserID: 5, FirstName: "Eve", LastName: "Elm", Level: "paid", Plays: 2},
			{Rank: 4, UserID: 3, FirstName: "Cat", LastName: "Cedar", Level: "paid", Plays: 1},
		},
	}
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
