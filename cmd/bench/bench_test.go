package main

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSizes(t *testing.T) {
	tests := []struct {
		name, in string
		want     []int
		wantErr  bool
	}{
		{name: "default", in: "10000,100000,1000000", want: []int{10000, 100000, 1000000}},
		{name: "spaces and underscores", in: " 10_000 , 100000", want: []int{10000, 100000}},
		{name: "not increasing", in: "100000,10000", wantErr: true},
		{name: "too small", in: "10", wantErr: true},
		{name: "not a number", in: "10k", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSizes(tt.in)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseSizes(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []int
		wantErr bool
	}{
		{name: "defaults", want: []int{10000, 100000, 1000000}},
		{name: "quick", args: []string{"-quick"}, want: []int{10000, 100000}},
		{name: "quick and sizes", args: []string{"-quick", "-sizes", "1000"}, wantErr: true},
		{name: "argument", args: []string{"extra"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(o.sizes, tt.want)) {
				t.Errorf("parseFlags(%q) sizes %v, error %v; want %v, error %v", tt.args, o.sizes, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestNextSongsCSV(t *testing.T) {
	in := `{"artist":null,"auth":"Logged In","firstName":"Ann","gender":"F","itemInSession":0,"lastName":"Lee","length":null,"level":"free","location":"X","method":"GET","page":"Home","registration":1.5e12,"sessionId":1,"song":null,"status":200,"ts":1541038285788,"userAgent":"UA","userId":"39"}

{"artist":"Maná","auth":"Logged In","firstName":"Ann","gender":"F","itemInSession":1,"lastName":"Lee","length":59.15705,"level":"paid","location":"Austin, TX","method":"PUT","page":"NextSong","registration":null,"sessionId":717,"song":"Say \"Hi\"","status":200,"ts":1541038285788,"userAgent":"","userId":39}
`
	var got strings.Builder
	err := nextSongs(strings.NewReader(in), "day.json", func(v []any) error {
		got.Write(appendCSV(nil, v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `"Maná","Logged In","Ann","F",1,"Lee",59.15705,"paid","Austin, TX","PUT","NextSong",,717,"Say ""Hi""",200,"2018-11-01 02:11:25.788","","39"` + "\n"
	if got.String() != want {
		t.Errorf("CSV:\n got %s\nwant %s", got.String(), want)
	}

	err = nextSongs(strings.NewReader("{}\n{bad\n"), "day.json", func([]any) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "day.json:2: ") {
		t.Errorf("malformed line: error %v, want one naming day.json:2", err)
	}
}

func TestSplice(t *testing.T) {
	const sec = "## new\n\nbody\n"
	block := beginMarker + "\n## new\n\nbody\n" + endMarker
	tests := []struct {
		name, doc, want string
		wantErr         bool
	}{
		{name: "empty file", doc: "", want: block + "\n"},
		{name: "appended", doc: "# Notes\n\ntext", want: "# Notes\n\ntext\n\n" + block + "\n"},
		{name: "replaced, rest kept", doc: "a\n" + beginMarker + "\nold\n" + endMarker + "\nz\n", want: "a\n" + block + "\nz\n"},
		{name: "end before begin", doc: endMarker + "\n" + beginMarker, wantErr: true},
		{name: "begin only", doc: beginMarker + "\nold", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splice(tt.doc, sec)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("splice = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestExtrapolate(t *testing.T) {
	sizes := []sizeResult{
		{Events: 10, NextSong: 10, RowByRow: 5 * time.Second},
		{Events: 100, NextSong: 100, RowByRow: 20 * time.Second},
		{Events: 1000, NextSong: 1000},
	}
	extrapolate(sizes)
	got := sizes[2]
	if !got.RowByRowEst || got.RowByRowFrom != 100 || got.RowByRow != 200*time.Second {
		t.Errorf("extrapolated %+v, want 200 s from 100 events", got)
	}
	if sizes[1].RowByRowEst {
		t.Error("a measured size was marked extrapolated")
	}
}

func TestTableVerdicts(t *testing.T) {
	s := func(events int, first time.Duration) sizeResult {
		return sizeResult{
			Events: events, NextSong: events, Copy: time.Second, CopyRuns: 3,
			First:    jobRun{Wall: first, MaxRSSKiB: 100 << 10},
			Again:    jobRun{Wall: 400 * time.Millisecond, MaxRSSKiB: 50 << 10},
			NewDay:   jobRun{Wall: 2 * time.Second, MaxRSSKiB: 300 << 10},
			RowByRow: 1000 * time.Second,
		}
	}
	r := &report{Sizes: []sizeResult{s(10, 3*time.Second), s(100, 4*time.Second)},
		Latency: &latencyResult{Objects: 20000, Delay: 50 * time.Millisecond, Stage: 16 * time.Second}}
	rows := map[string]string{}
	for line := range strings.Lines(r.table()) {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), " | ")
		rows[strings.TrimSpace(cells[0])+" "+strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[len(cells)-1])
	}
	for key, want := range map[string]string{
		"100 job: the same load again, nothing new":                    "met",
		"100 job: one new day (day 31, 0 events)":                      "**NOT met**",
		"10 job: one new day (day 31, 0 events)":                       "— (judged at the largest size)",
		"100 row by row, one INSERT per NextSong record (autocommit)":  "met",
		"100 scaling: first load at 100 vs 10 events (10.0× the data)": "met",
		"all peak RSS of every job run":                                "**NOT met**",
	} {
		if got, ok := rows[key]; !ok || got != want {
			t.Errorf("row %q: result %q, want %q", key, got, want)
		}
	}
	if !strings.Contains(r.table(), "| < 15 s | **NOT met** |") {
		t.Errorf("latency row not judged NOT met:\n%s", r.table())
	}
}

func TestMachineParsing(t *testing.T) {
	if got := cpuModel("processor\t: 0\nmodel name\t: AMD  EPYC 7B13\n"); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := memTotal("MemTotal:       24576000 kB\nMemFree: 1 kB\n"); got != "23.4 GiB" {
		t.Errorf("memTotal = %q", got)
	}
	if got, ok := vmHWM("Name:\tjob\nVmPeak:\t  900 kB\nVmHWM:\t  150616 kB\n"); !ok || got != 150616 {
		t.Errorf("vmHWM = %d, %v", got, ok)
	}
	if _, ok := vmHWM("Name:\tjob\n"); ok {
		t.Error("vmHWM found a value in a status without VmHWM")
	}
	if got := fmtDur(119600 * time.Millisecond); got != "2 min 00 s" {
		t.Errorf("fmtDur(119.6 s) = %q", got)
	}
	if got := fmtInt(1234567); got != "1,234,567" {
		t.Errorf("fmtInt = %q", got)
	}
	if got := shorten("a  very long\nname", 8); got != "a very …" {
		t.Errorf("shorten = %q", got)
	}
}

func TestWhyExplainsEachMissedTarget(t *testing.T) {
	steps := []step{
		{"stage staging_songs", 2 * time.Second}, {"stage staging_events", 4 * time.Second},
		{"sql/shared/transform/05_songplays.sql: INSERT INTO songplays (songplay_id", 5 * time.Second},
		{"sql/shared/transform/06_time.sql: INSERT INTO time", 1 * time.Second},
	}
	r := &report{Sizes: []sizeResult{{
		Events: 1000, Songs: 100, FirstEvents: 1000, NextSong: 800, Copy: time.Second,
		First:    jobRun{Wall: 12 * time.Second, Steps: steps},
		Again:    jobRun{Wall: 400 * time.Millisecond, Steps: steps[:1]},
		NewDay:   jobRun{Wall: 1500 * time.Millisecond, Steps: steps[1:3]},
		RowByRow: 200 * time.Second,
	}}}
	want := []string{
		"First load, 12.0× the raw COPY: staging alone (100 song objects and 1,000 events read, decoded and copied into the staging tables) takes 6.00×, " +
			"the insert into `songplays` (800 rows into a table with three indexes, numbered in time order) 5.00×, and every other transform and check together 1.00×. " +
			"The raw COPY writes the NextSong rows once into an unindexed table; the load also derives users, songs, artists and time, matches every play to the catalogue " +
			"and checks what it wrote, in one transaction, and Postgres runs each statement on one core.",
		"One new day, 1.50× the raw COPY: its slowest steps are `sql/shared/transform/05_songplays.sql: INSERT INTO songplays (songplay_id` 5.00×, `stage staging_events` 4.00×.",
		"Row by row: the targets \"first load ≤ 5× the raw COPY\" and \"≥ 100× faster than row by row\" hold together only where row by row takes at least 500× the raw COPY; " +
			"here it takes 200× (250.00 ms a row, one commit each), so even a first load as fast as the raw COPY would be 200× faster than row by row.",
	}
	got := r.why()
	if len(got) != len(want) {
		t.Fatalf("why() gave %d explanations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("explanation %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}
