package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func date(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(f float64) *float64 { return &f }

// smallData is a hand-made warehouse: 6 plays on Thu 2018-11-01 and Sun
// 2018-11-04, none on the two days between.
func smallData() Data {
	return Data{
		Loaded:       true,
		TableRows:    TableRows{Songplays: 6, Users: 4, Songs: 3, Artists: 2, Time: 6},
		Plays:        6,
		MatchedPlays: 4,
		PaidPlays:    2,
		PlayingUsers: 3,
		Sessions:     4,
		FirstPlay:    time.Date(2018, 11, 1, 10, 0, 0, 0, time.UTC),
		LastPlay:     time.Date(2018, 11, 4, 9, 30, 0, 0, time.UTC),
		UsersByLevelGender: []LevelGenderUsers{
			{Level: "free", Gender: "F", Users: 2},
			{Level: "paid", Gender: "M", Users: 1},
			{Level: "", Gender: "", Users: 1},
		},
		PlaysByDay: []DayPlays{
			{Day: date("2018-11-01"), Gender: "F", Level: "free", Plays: 2},
			{Day: date("2018-11-01"), Gender: "M", Level: "paid", Plays: 1},
			{Day: date("2018-11-04"), Gender: "", Level: "free", Plays: 2},
			{Day: date("2018-11-04"), Gender: "F", Level: "paid", Plays: 1},
		},
		SessionsByDay: []DaySessions{{Day: date("2018-11-01"), Sessions: 2}, {Day: date("2018-11-04"), Sessions: 2}},
		PlaysByWeekdayHour: []WeekdayHourPlays{
			{Weekday: 4, Hour: 10, Plays: 3},
			{Weekday: 0, Hour: 9, Plays: 3},
		},
		TopSongs:   []TopSong{{Rank: 1, SongID: "S1", Title: "A", ArtistName: "X", Plays: 3}, {Rank: 2, SongID: "S2", Title: "B", ArtistName: "Y", Plays: 1}},
		TopArtists: []TopArtist{{Rank: 1, ArtistID: "AR1", Name: "X", Plays: 3}},
		TopUsers:   []TopUser{{Rank: 1, UserID: 7, FirstName: "Ann", LastName: "Lee", Level: "free", Plays: 4}},
		FreeToPaid: 1,
	}
}

func TestSummarize(t *testing.T) {
	gen := time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("CET", 3600))
	s := Summarize(smallData(), gen)

	if want := time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC); !s.GeneratedAt.Equal(want) || s.GeneratedAt.Location() != time.UTC {
		t.Errorf("GeneratedAt = %v, want %v in UTC", s.GeneratedAt, want)
	}
	if s.Empty {
		t.Error("Empty = true for a warehouse with plays")
	}
	first, last := time.Date(2018, 11, 1, 10, 0, 0, 0, time.UTC), time.Date(2018, 11, 4, 9, 30, 0, 0, time.UTC)
	wantPeriod := Period{FirstPlay: &first, LastPlay: &last, FirstDay: "2018-11-01", LastDay: "2018-11-04", Days: 4, DaysWithPlays: 2}
	if !reflect.DeepEqual(s.Period, wantPeriod) {
		t.Errorf("Period = %+v, want %+v", s.Period, wantPeriod)
	}
	wantPlays := Plays{
		Total: 6, Matched: 4, Unmatched: 2, MatchedShare: 4.0 / 6,
		ByLevel:   map[string]int64{"free": 4, "paid": 2},
		ByGender:  map[string]int64{"F": 3, "M": 1, "unknown": 2},
		PaidShare: 2.0 / 6, Users: 3, Sessions: 4,
	}
	if !reflect.DeepEqual(s.Plays, wantPlays) {
		t.Errorf("Plays = %+v, want %+v", s.Plays, wantPlays)
	}
	wantUsers := Users{
		Total:      4,
		ByLevel:    map[string]int64{"free": 2, "paid": 1, "unknown": 1},
		ByGender:   map[string]int64{"F": 2, "M": 1, "unknown": 1},
		FreeToPaid: 1,
	}
	if !reflect.DeepEqual(s.Users, wantUsers) {
		t.Errorf("Users = %+v, want %+v", s.Users, wantUsers)
	}
	zero := func(d string) Day {
		return Day{Date: d, ByGender: map[string]int64{"F": 0, "M": 0, "unknown": 0}, ByLevel: map[string]int64{"free": 0, "paid": 0}}
	}
	wantDays := []Day{
		{Date: "2018-11-01", Plays: 3, ByGender: map[string]int64{"F": 2, "M": 1, "unknown": 0}, ByLevel: map[string]int64{"free": 2, "paid": 1}, PaidShare: ptr(1.0 / 3), Sessions: 2},
		zero("2018-11-02"),
		zero("2018-11-03"),
		{Date: "2018-11-04", Plays: 3, ByGender: map[string]int64{"F": 1, "M": 0, "unknown": 2}, ByLevel: map[string]int64{"free": 2, "paid": 1}, PaidShare: ptr(1.0 / 3), Sessions: 2},
	}
	if !reflect.DeepEqual(s.Days, wantDays) {
		t.Errorf("Days =\n%s\nwant\n%s", js(t, s.Days), js(t, wantDays))
	}
	wantHour := make([]int64, 24)
	wantHour[9], wantHour[10] = 3, 3
	if !reflect.DeepEqual(s.PlaysByHour, wantHour) {
		t.Errorf("PlaysByHour = %v, want %v", s.PlaysByHour, wantHour)
	}
	if s.PlaysByWeekdayHour[4][10] != 3 || s.PlaysByWeekdayHour[0][9] != 3 || len(s.PlaysByWeekdayHour) != 7 {
		t.Errorf("PlaysByWeekdayHour = %v", s.PlaysByWeekdayHour)
	}
	if len(s.TopSongs) != 2 || len(s.TopArtists) != 1 || len(s.TopUsers) != 1 {
		t.Errorf("top lists = %v %v %v", s.TopSongs, s.TopArtists, s.TopUsers)
	}
}

func TestFillDays(t *testing.T) {
	tests := []struct {
		name        string
		first, last string
		plays       []DayPlays
		sessions    []DaySessions
		want        []string // date:plays:sessions
	}{
		{
			name: "one day", first: "2018-11-30", last: "2018-11-30",
			plays:    []DayPlays{{Day: date("2018-11-30"), Gender: "F", Level: "paid", Plays: 5}},
			sessions: []DaySessions{{Day: date("2018-11-30"), Sessions: 1}},
			want:     []string{"2018-11-30:5:1"},
		},
		{
			name: "gaps at both ends of the rows and across a month and year end", first: "2018-12-30", last: "2019-01-02",
			plays: []DayPlays{{Day: date("2018-12-31"), Gender: "M", Level: "free", Plays: 2}},
			want:  []string{"2018-12-30:0:0", "2018-12-31:2:0", "2019-01-01:0:0", "2019-01-02:0:0"},
		},
		{
			name: "rows outside the range are ignored", first: "2018-11-02", last: "2018-11-02",
			plays: []DayPlays{{Day: date("2018-11-01"), Gender: "F", Level: "free", Plays: 9}, {Day: date("2018-11-02"), Gender: "F", Level: "free", Plays: 1}},
			want:  []string{"2018-11-02:1:0"},
		},
		{
			name: "the day of a row is its UTC date", first: "2018-11-01", last: "2018-11-02",
			plays: []DayPlays{{Day: time.Date(2018, 11, 2, 1, 0, 0, 0, time.FixedZone("X", 3*3600)), Gender: "F", Level: "free", Plays: 4}},
			want:  []string{"2018-11-01:4:0", "2018-11-02:0:0"},
		},
		{name: "last before first", first: "2018-11-02", last: "2018-11-01", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			days := fillDays(date(tt.first), date(tt.last), tt.plays, tt.sessions, []string{"F", "M"}, []string{"free", "paid"})
			var got []string
			for _, d := range days {
				got = append(got, d.Date+":"+itoa(d.Plays)+":"+itoa(d.Sessions))
				if len(d.ByGender) != 2 || len(d.ByLevel) != 2 {
					t.Errorf("%s: categories %v %v, want every gender and level", d.Date, d.ByGender, d.ByLevel)
				}
				if (d.PaidShare == nil) != (d.Plays == 0) {
					t.Errorf("%s: paid share %v with %d plays", d.Date, d.PaidShare, d.Plays)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("days = %v, want %v", got, tt.want)
			}
			if days == nil {
				t.Error("fillDays returned nil; summary.json needs []")
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSummarizeEmpty(t *testing.T) {
	for _, tt := range []struct {
		name string
		data Data
	}{
		{"tables missing", Data{}},
		{"tables without plays", Data{Loaded: true, TableRows: TableRows{Users: 3, Songs: 10, Artists: 4},
			UsersByLevelGender: []LevelGenderUsers{{Level: "free", Gender: "F", Users: 3}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.data, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if !s.Empty {
				t.Fatal("Empty = false")
			}
			b, err := MarshalSummary(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`"empty": true`, `"days": []`, `"top_songs": []`, `"top_artists": []`, `"top_users": []`, `"charts": []`, `"first_play": null`, `"paid_share": 0`} {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("summary.json lacks %s:\n%s", want, b)
				}
			}
			if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("null,")) && !bytes.Contains(b, []byte(`"first_play": null,`)) {
				t.Errorf("summary.json has NaN or unexpected nulls:\n%s", b)
			}
		})
	}
}

// summaryKeys are the keys of summary.json: the contract documented in the
// README. Adding a key is fine (add it here too); removing or renaming one
// breaks consumers.
var summaryKeys = []string{
	"charts[].file", "charts[].height", "charts[].svg", "charts[].title", "charts[].width",
	"days[].by_gender", "days[].by_level", "days[].date", "days[].paid_share", "days[].plays", "days[].sessions",
	"empty", "generated_at", "loads",
	"period.days", "period.days_with_plays", "period.first_day", "period.first_play", "period.last_day", "period.last_play",
	"plays.by_gender", "plays.by_level", "plays.matched", "plays.matched_share", "plays.paid_share", "plays.sessions",
	"plays.total", "plays.unmatched", "plays.users",
	"plays_by_hour", "plays_by_weekday_hour", "plays_by_weekday_hour_avg",
	"report_period.from", "report_period.name", "report_period.previous", "report_period.spec", "report_period.to",
	"schema_version",
	"table_rows.artists", "table_rows.songplays", "table_rows.songs", "table_rows.time", "table_rows.users",
	"top_artists[].artist_id", "top_artists[].name", "top_artists[].plays", "top_artists[].rank",
	"top_songs[].artist_name", "top_songs[].plays", "top_songs[].rank", "top_songs[].song_id", "top_songs[].title",
	"top_users[].first_name", "top_users[].last_name", "top_users[].level", "top_users[].plays", "top_users[].rank", "top_users[].user_id",
	"users.by_gender", "users.by_level", "users.free_to_paid", "users.paid_to_free", "users.total",
	"weekday_counts",
}

func TestSummaryKeys(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := Write(dir, Summarize(sampleData(), time.Now())); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			// Maps keyed by data values (genders, levels) end the walk.
			if strings.HasSuffix(prefix, "by_gender") || strings.HasSuffix(prefix, "by_level") {
				got[prefix] = true
				return
			}
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
		case []any:
			if len(x) > 0 {
				if _, ok := x[0].(map[string]any); ok {
					walk(prefix+"[]", x[0])
					return
				}
			}
			got[prefix] = true
		default:
			got[prefix] = true
		}
	}
	walk("", v)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, summaryKeys) {
		t.Errorf("summary.json keys =\n%q\nwant\n%q", keys, summaryKeys)
	}
	if len(v["plays_by_weekday_hour"].([]any)) != 7 || len(v["plays_by_hour"].([]any)) != 24 {
		t.Error("plays_by_weekday_hour is not 7 rows or plays_by_hour is not 24 hours")
	}
}

// TestSummaryGolden pins summary.json for the sample data; run with
// -update after a deliberate change of the contract or the sample.
func TestSummaryGolden(t *testing.T) {
	s := Summarize(sampleData(), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s.Charts = []Chart{{File: "x.png", SVG: "x.svg", Title: "X", Width: 10, Height: 20}}
	got, err := MarshalSummary(s)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "summary_sample.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSummaryGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("summary.json differs from %s; run with -update if the change is deliberate", golden)
	}
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWeekdayHourAverages(t *testing.T) {
	// Thu 2018-11-01 to Sat 2018-11-10: 10 days holding two Thursdays (1,
	// 8), Fridays (2, 9) and Saturdays (3, 10), and one of each other day.
	ten := Data{
		Loaded: true, Plays: 9,
		FirstPlay: time.Date(2018, 11, 1, 10, 0, 0, 0, time.UTC),
		LastPlay:  time.Date(2018, 11, 10, 23, 0, 0, 0, time.UTC),
		PlaysByWeekdayHour: []WeekdayHourPlays{
			{Weekday: 4, Hour: 10, Plays: 5}, // two Thursdays: 2.5
			{Weekday: 0, Hour: 9, Plays: 3},  // one Sunday: 3
			{Weekday: 6, Hour: 23, Plays: 1}, // two Saturdays: 0.5
		},
	}
	// Thu 2018-11-01 to Fri 2018-11-02: no other weekday has an average.
	two := ten
	two.LastPlay = time.Date(2018, 11, 2, 1, 0, 0, 0, time.UTC)
	two.PlaysByWeekdayHour = []WeekdayHourPlays{{Weekday: 4, Hour: 10, Plays: 5}, {Weekday: 5, Hour: 1, Plays: 1}}

	row := func(cells map[int]float64) []float64 {
		r := make([]float64, 24)
		for h, v := range cells {
			r[h] = v
		}
		return r
	}
	tests := []struct {
		name       string
		data       Data
		wantCounts []int
		wantAvg    [][]float64
	}{
		{
			name: "ten days from a Thursday", data: ten,
			wantCounts: []int{1, 1, 1, 1, 2, 2, 2},
			wantAvg: [][]float64{
				row(map[int]float64{9: 3}), row(nil), row(nil), row(nil),
				row(map[int]float64{10: 2.5}), row(nil), row(map[int]float64{23: 0.5}),
			},
		},
		{
			name: "Thursday and Friday", data: two,
			wantCounts: []int{0, 0, 0, 0, 1, 1, 0},
			wantAvg:    [][]float64{nil, nil, nil, nil, row(map[int]float64{10: 5}), row(map[int]float64{1: 1}), nil},
		},
		{
			name: "no plays", data: Data{},
			wantCounts: []int{0, 0, 0, 0, 0, 0, 0},
			wantAvg:    make([][]float64, 7),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.data, time.Now())
			if !reflect.DeepEqual(s.WeekdayCounts, tt.wantCounts) {
				t.Errorf("WeekdayCounts = %v, want %v", s.WeekdayCounts, tt.wantCounts)
			}
			if !reflect.DeepEqual(s.PlaysByWeekdayHourAvg, tt.wantAvg) {
				t.Errorf("PlaysByWeekdayHourAvg =\n%v\nwant\n%v", s.PlaysByWeekdayHourAvg, tt.wantAvg)
			}
			sum := 0
			for _, n := range s.WeekdayCounts {
				sum += n
			}
			if sum != s.Period.Days {
				t.Errorf("weekday counts add up to %d, want period.days %d", sum, s.Period.Days)
			}
		})
	}

	// A weekday the period does not hold is a null row, not zeros.
	b, err := MarshalSummary(Summarize(two, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Avg []json.RawMessage `json:"plays_by_weekday_hour_avg"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Avg) != 7 || string(v.Avg[0]) != "null" || !strings.HasPrefix(string(v.Avg[4]), "[") {
		t.Errorf("plays_by_weekday_hour_avg rows = %q, want null for Sunday and 24 numbers for Thursday", v.Avg)
	}
}

func TestCheckFreshness(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2018, 11, 3, h, 0, 0, 0, time.UTC) }
	generated := at(20)
	tests := []struct {
		name  string
		loads Loads
		want  []string
	}{
		{"fresh", Loads{Last: &LoadInfo{ID: "r1", Status: "committed", FinishedAt: at(2)}, LastCommitted: &LoadInfo{ID: "r1", Status: "committed", FinishedAt: at(2)}}, []string{}},
		{"last load failed", Loads{Last: &LoadInfo{ID: "r2", Status: "failed", FinishedAt: at(3), ErrorClass: "transient"}, LastCommitted: &LoadInfo{ID: "r1", Status: "committed", FinishedAt: at(2)}},
			[]string{"The last load (r2, 2018-11-03 03:00 UTC) failed (transient): the data below predates it."}},
		{"too old", Loads{Last: &LoadInfo{ID: "r1", Status: "committed", FinishedAt: at(2)}, LastCommitted: &LoadInfo{ID: "r1", Status: "committed", FinishedAt: at(2)}},
			[]string{"The data is 18h0m0s old: the last successful load finished 2018-11-03 02:00 UTC, more than 12h0m0s ago (SPARKIFY_REPORT_MAX_AGE)."}},
		{"never committed", Loads{Last: &LoadInfo{ID: "r1", Status: "failed", FinishedAt: at(2), ErrorClass: "configuration"}},
			[]string{"The last load (r1, 2018-11-03 02:00 UTC) failed (configuration): the data below predates it.", "No load has committed yet."}},
	}
	for _, tt := range tests {
		maxAge := 36 * time.Hour
		if tt.name == "too old" {
			maxAge = 12 * time.Hour
		}
		tt.loads.CheckFreshness(generated, maxAge)
		if !reflect.DeepEqual(tt.loads.Warnings, tt.want) || tt.loads.MaxAgeHours != maxAge.Hours() {
			t.Errorf("%s: warnings %q (max age %v), want %q", tt.name, tt.loads.Warnings, tt.loads.MaxAgeHours, tt.want)
		}
	}
}
