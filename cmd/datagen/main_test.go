package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/testkit/s3test"
	"github.com/sparkify/warehouse/internal/toolcmd"
)

func noEnv(string) string { return "" }

// generateTree runs datagen into a new directory and returns the files it
// holds (slash-separated path to content) and the summary line.
func generateTree(t *testing.T, args ...string) (map[string][]byte, string) {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append([]string{"-out", dir}, args...), noEnv, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v (stderr %q)", args, err, stderr.String())
	}
	return readTree(t, dir), strings.TrimSuffix(strings.ReplaceAll(stdout.String(), dir, "DIR"), "\n")
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDeterministic(t *testing.T) {
	base := []string{"-songs", "300", "-events", "4000", "-users", "20", "-days", "3", "-seed", "7"}
	for _, tt := range []struct {
		name  string
		a, b  []string
		equal bool
	}{
		{"same flags", base, base, true},
		{"concurrency does not matter", append([]string{"-concurrency", "1"}, base...), append([]string{"-concurrency", "64"}, base...), true},
		{"another seed differs", base, append(slices.Clone(base), "-seed", "8"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, sumA := generateTree(t, tt.a...)
			b, sumB := generateTree(t, tt.b...)
			if got := maps.EqualFunc(a, b, bytes.Equal) && sumA == sumB; got != tt.equal {
				t.Errorf("trees identical = %v, want %v (%d and %d files)", got, tt.equal, len(a), len(b))
			}
		})
	}
}

func TestFileURI(t *testing.T) {
	args := []string{"-songs", "20", "-events", "200", "-days", "2"}
	want, _ := generateTree(t, args...)
	dir := t.TempDir()
	if err := run(context.Background(), append([]string{"-out", "file://" + filepath.ToSlash(dir)}, args...), noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !maps.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("-out file://DIR wrote %d files, not the %d of -out DIR", len(got), len(want))
	}
}

var songPath = regexp.MustCompile(`^song_data/([A-Z])/([A-Z])/([A-Z])/TR([A-Z])([A-Z])([A-Z])[A-Z0-9]{13}\.json$`)

func TestCounts(t *testing.T) {
	for _, tt := range []struct {
		name                string
		songs, events, days int
		start               string
		wantDays            []string // the log files' dates; nil: any, one for each event
	}{
		{"a week", 200, 5000, 7, "2018-11-01", []string{"2018-11-01", "2018-11-02", "2018-11-03", "2018-11-04", "2018-11-05", "2018-11-06", "2018-11-07"}},
		{"across a month's end", 10, 1000, 3, "2018-11-29", []string{"2018-11-29", "2018-11-30", "2018-12-01"}},
		{"fewer events than days: only days with events get a file", 5, 3, 10, "2018-11-01", nil},
		{"no events", 5, 0, 4, "2018-11-01", []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files, summary := generateTree(t, "-songs", fmt.Sprint(tt.songs), "-events", fmt.Sprint(tt.events),
				"-days", fmt.Sprint(tt.days), "-start", tt.start)
			var songs, events, plays int
			var dates []string
			var size int64
			for p, b := range files {
				size += int64(len(b))
				switch {
				case p == "log_json_path.json":
				case strings.HasPrefix(p, "song_data/"):
					m := songPath.FindStringSubmatch(p)
					if m == nil || m[1] != m[4] || m[2] != m[5] || m[3] != m[6] {
						t.Errorf("song file %s: not song_data/A/B/C/TRABC….json", p)
					}
					songs++
				case strings.HasPrefix(p, "log_data/"):
					date := strings.TrimSuffix(p[len("log_data/2018/11/"):], "-events.json")
					if want := "log_data/" + date[:4] + "/" + date[5:7] + "/" + date + "-events.json"; p != want {
						t.Errorf("log file %s, want %s", p, want)
					}
					dates = append(dates, date)
					events += bytes.Count(b, []byte("\n"))
					plays += bytes.Count(b, []byte(`"page":"NextSong"`))
				default:
					t.Errorf("unexpected file %s", p)
				}
			}
			slices.Sort(dates)
			if tt.wantDays != nil && !slices.Equal(dates, tt.wantDays) {
				t.Errorf("log files for %v, want %v", dates, tt.wantDays)
			}
			if tt.wantDays == nil && len(dates) != tt.events {
				t.Errorf("%d log files, want one for each of the %d events", len(dates), tt.events)
			}
			if songs != tt.songs || events != tt.events {
				t.Errorf("%d songs and %d events, want %d and %d", songs, events, tt.songs, tt.events)
			}
			prefix := fmt.Sprintf("datagen: wrote %d files (%d bytes) to DIR: %d songs, %d events in %d log files, %d NextSong, ",
				1+tt.songs+len(dates), size, tt.songs, tt.events, len(dates), plays)
			if !strings.HasPrefix(summary, prefix) || !strings.HasSuffix(summary, "% matching a song") {
				t.Errorf("summary\n%s\nwant it to start\n%s", summary, prefix)
			}
		})
	}
}

// dataset is a generated tree decoded with the job's own decoders.
type dataset struct {
	songs  [][]any // source.SongColumns
	events [][]any // source.EventColumns
	files  map[string][]byte
	day    []string // the date of each event's file
}

func decodeTree(t *testing.T, files map[string][]byte) dataset {
	t.Helper()
	ds := dataset{files: files}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		decode, rows := source.DecodeFunc(source.DecodeSongs), &ds.songs
		switch {
		case strings.HasPrefix(p, "log_data/"):
			decode, rows = source.DecodeEvents, &ds.events
		case !strings.HasPrefix(p, "song_data/"):
			continue
		}
		before := len(*rows)
		err := decode(p, bytes.NewReader(files[p]), func(row []any) error {
			*rows = append(*rows, row)
			return nil
		}, func(re *source.RecordError) error {
			t.Errorf("malformed record: %v", re)
			return nil
		})
		if err != nil {
			t.Fatalf("decode %s: %v", p, err)
		}
		if rows == &ds.events {
			date := strings.TrimSuffix(filepath.Base(p), "-events.json")
			for range len(*rows) - before {
				ds.day = append(ds.day, date)
			}
		}
	}
	return ds
}

func col(cols []string, name string) int { return slices.Index(cols, name) }

func str(v any) (string, bool) {
	p, _ := v.(*string)
	if p == nil {
		return "", false
	}
	return *p, true
}

// playKey is what a play matches a song on.
type playKey struct {
	title, artist string
	length        float64
}

// matched counts the NextSong events whose title, artist and length equal
// a song file's title, artist_name and duration.
func (ds dataset) matched() (plays, matched int) {
	sc, ec := source.SongColumns, source.EventColumns
	catalogue := map[playKey]bool{}
	for _, s := range ds.songs {
		title, _ := str(s[col(sc, "title")])
		name, _ := str(s[col(sc, "artist_name")])
		catalogue[playKey{title, name, *s[col(sc, "duration")].(*float64)}] = true
	}
	for _, e := range ds.events {
		if page, _ := str(e[col(ec, "page")]); page != "NextSong" {
			continue
		}
		plays++
		song, _ := str(e[col(ec, "song")])
		artist, _ := str(e[col(ec, "artist")])
		if catalogue[playKey{song, artist, *e[col(ec, "length")].(*float64)}] {
			matched++
		}
	}
	return plays, matched
}

func TestMatchingShare(t *testing.T) {
	for _, tt := range []struct {
		name  string
		match float64
	}{
		{"none", 0},
		{"a third", 0.33},
		{"the default", 0.8},
		{"all", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files, summary := generateTree(t, "-songs", "300", "-events", "20000", "-days", "5", "-match", fmt.Sprint(tt.match))
			plays, matched := decodeTree(t, files).matched()
			share := float64(matched) / float64(plays)
			if math.Abs(share-tt.match) > 0.02 {
				t.Errorf("%d of %d plays match a song (%.4f), want %.2f ± 0.02", matched, plays, share, tt.match)
			}
			if want := fmt.Sprintf(", %d NextSong, %.2f%% matching a song", plays, 100*share); !strings.HasSuffix(summary, want) {
				t.Errorf("summary %q does not end with the measured %q", summary, want)
			}
		})
	}
}

// isDoubleEncoded reports whether s is UTF-8 text whose bytes were read as
// Latin-1 and encoded again.
func isDoubleEncoded(s string) bool {
	var b []byte
	for _, r := range s {
		if r > 0xff {
			return false
		}
		b = append(b, byte(r))
	}
	return !isASCII(s) && utf8.Valid(b)
}

func TestQuirks(t *testing.T) {
	files, _ := generateTree(t, "-songs", "2000", "-events", "20000", "-users", "50", "-days", "5")
	ds := decodeTree(t, files)
	sc, ec := source.SongColumns, source.EventColumns
	anySong := func(f func(s []any) bool) bool { return slices.ContainsFunc(ds.songs, f) }
	anyEvent := func(f func(e []any) bool) bool { return slices.ContainsFunc(ds.events, f) }
	spellings := map[string]map[string]bool{}
	for _, s := range ds.songs {
		id, _ := str(s[col(sc, "artist_id")])
		name, _ := str(s[col(sc, "artist_name")])
		if spellings[id] == nil {
			spellings[id] = map[string]bool{}
		}
		spellings[id][name] = true
	}
	levels := map[string]map[string]bool{}
	for _, e := range ds.events {
		if id := e[col(ec, "user_id")].(string); id != "" {
			level, _ := str(e[col(ec, "level")])
			if levels[id] == nil {
				levels[id] = map[string]bool{}
			}
			levels[id][level] = true
		}
	}
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{`a logged-out event with userId ""`, anyEvent(func(e []any) bool { return e[col(ec, "user_id")] == "" })},
		{"a null registration", anyEvent(func(e []any) bool { return e[col(ec, "registration")].(*float64) == nil })},
		{"a registration", anyEvent(func(e []any) bool { return e[col(ec, "registration")].(*float64) != nil })},
		{"a userAgent with literal double quotes", anyEvent(func(e []any) bool {
			ua, _ := str(e[col(ec, "user_agent")])
			return strings.HasPrefix(ua, `"`) && strings.HasSuffix(ua, `"`)
		})},
		{"a userAgent without quotes", anyEvent(func(e []any) bool { ua, ok := str(e[col(ec, "user_agent")]); return ok && !strings.HasPrefix(ua, `"`) })},
		{"a Guest", anyEvent(func(e []any) bool { a, _ := str(e[col(ec, "auth")]); return a == "Guest" })},
		{"a Submit Upgrade", anyEvent(func(e []any) bool { p, _ := str(e[col(ec, "page")]); return p == "Submit Upgrade" })},
		{"a Submit Downgrade", anyEvent(func(e []any) bool { p, _ := str(e[col(ec, "page")]); return p == "Submit Downgrade" })},
		{"a user both free and paid", slices.ContainsFunc(slices.Collect(maps.Values(levels)), func(l map[string]bool) bool { return l["free"] && l["paid"] })},
		{"a year 0", anySong(func(s []any) bool { return *s[col(sc, "year")].(*int32) == 0 })},
		{"a known year", anySong(func(s []any) bool { return *s[col(sc, "year")].(*int32) > 0 })},
		{`an artist_location ""`, anySong(func(s []any) bool { l, _ := str(s[col(sc, "artist_location")]); return l == "" })},
		{"a null latitude", anySong(func(s []any) bool { return s[col(sc, "artist_latitude")].(*float64) == nil })},
		{"a latitude", anySong(func(s []any) bool { return s[col(sc, "artist_latitude")].(*float64) != nil })},
		{"a non-ASCII artist name", anySong(func(s []any) bool {
			n, _ := str(s[col(sc, "artist_name")])
			return !isASCII(n) && !isDoubleEncoded(n)
		})},
		{"a double-encoded artist name", anySong(func(s []any) bool { n, _ := str(s[col(sc, "artist_name")]); return isDoubleEncoded(n) })},
		{"a double-encoded name played", anyEvent(func(e []any) bool { n, _ := str(e[col(ec, "artist")]); return isDoubleEncoded(n) })},
		{"an artist_id spelled two ways", slices.ContainsFunc(slices.Collect(maps.Values(spellings)), func(n map[string]bool) bool { return len(n) > 1 })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Error("not in the data")
			}
		})
	}
}

func TestEventInvariants(t *testing.T) {
	files, _ := generateTree(t, "-songs", "500", "-events", "20000", "-users", "30", "-days", "4")
	ds := decodeTree(t, files)
	ec := source.EventColumns
	next := map[int32]int32{} // sessionId: the next itemInSession
	day := map[int32]string{}
	for i, e := range ds.events {
		page, _ := str(e[col(ec, "page")])
		uid := e[col(ec, "user_id")].(string)
		auth, _ := str(e[col(ec, "auth")])
		if page == "NextSong" && (uid == "" || auth != "Logged In") {
			t.Fatalf("event %d: a NextSong by %q (%s)", i, uid, auth)
		}
		if (uid == "") != (auth != "Logged In") || (uid == "") != (e[col(ec, "registration")].(*float64) == nil) {
			t.Fatalf("event %d: userId %q, auth %s, registration %v", i, uid, auth, e[col(ec, "registration")])
		}
		if ts := e[col(ec, "ts")].(time.Time).Format(time.DateOnly); ts != ds.day[i] {
			t.Fatalf("event %d: ts on %s in the file of %s", i, ts, ds.day[i])
		}
		sid, item := *e[col(ec, "session_id")].(*int32), *e[col(ec, "item_in_session")].(*int32)
		if item != next[sid] {
			t.Fatalf("event %d: session %d item %d, want %d (items count up in time order)", i, sid, item, next[sid])
		}
		if d, ok := day[sid]; ok && d != ds.day[i] {
			t.Fatalf("session %d spans %s and %s", sid, d, ds.day[i])
		}
		next[sid], day[sid] = item+1, ds.day[i]
	}
}

var (
	wantEventKeys = []string{"artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level",
		"location", "method", "page", "registration", "sessionId", "song", "status", "ts", "userAgent", "userId"}
	wantSongKeys = []string{"num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location",
		"artist_name", "song_id", "title", "duration", "year"}
	durationText = regexp.MustCompile(`"duration": ([0-9]+\.[0-9]{5}),`)
	lengthText   = regexp.MustCompile(`"length":([0-9]+\.[0-9]{5}|null),`)
)

// keys returns an object's keys in order.
func keys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestShapes(t *testing.T) {
	files, _ := generateTree(t, "-songs", "300", "-events", "3000", "-days", "2")
	ds := decodeTree(t, files)
	for p, b := range files {
		switch {
		case strings.HasPrefix(p, "song_data/"):
			if got := keys(t, b); !slices.Equal(got, wantSongKeys) {
				t.Fatalf("%s: keys %v, want %v", p, got, wantSongKeys)
			}
			if !bytes.HasPrefix(b, []byte(`{"num_songs": 1, "artist_id": "AR`)) || bytes.HasSuffix(b, []byte("\n")) {
				t.Fatalf("%s: %s, not a song file in the public bucket's format", p, b)
			}
			if !durationText.Match(b) {
				t.Fatalf("%s: duration not written with five decimals: %s", p, b)
			}
		case strings.HasPrefix(p, "log_data/"):
			for line := range bytes.Lines(b) {
				if got := keys(t, line); !slices.Equal(got, wantEventKeys) {
					t.Fatalf("%s: keys %v, want %v", p, got, wantEventKeys)
				}
				if !lengthText.Match(line) {
					t.Fatalf("%s: length not written with five decimals: %s", p, line)
				}
			}
		}
	}
	// Each duration's text parses to the float64 it was made from.
	sc := source.SongColumns
	for _, s := range ds.songs {
		d := *s[col(sc, "duration")].(*float64)
		units := int64(math.Round(d * 1e5))
		if float64(units)/1e5 != d || string(appendUnits(nil, units)) != fmt.Sprintf("%.5f", d) {
			t.Fatalf("duration %v is not units/1e5 for units %d", d, units)
		}
	}
	var want bytes.Buffer
	want.WriteString("{\n    \"jsonpaths\": [\n")
	for i, k := range wantEventKeys {
		fmt.Fprintf(&want, "        \"$['%s']\"%s\n", k, map[bool]string{true: ",", false: ""}[i < len(wantEventKeys)-1])
	}
	want.WriteString("    ]\n}\n")
	if got := files["log_json_path.json"]; !bytes.Equal(got, want.Bytes()) {
		t.Errorf("log_json_path.json:\n%s\nwant\n%s", got, want.Bytes())
	}
}

func TestS3(t *testing.T) {
	srv := s3test.NewServer(t, "sparkify")
	srv.SetEnv(t)
	args := []string{"-songs", "40", "-events", "500", "-days", "2"}
	want, _ := generateTree(t, args...)
	var stdout bytes.Buffer
	if err := run(context.Background(), append([]string{"-out", "s3://sparkify/gen", "-s3-path-style"}, args...), noEnv, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), " to s3://sparkify/gen: ") {
		t.Errorf("summary %q does not name the bucket", stdout.String())
	}
	store, err := source.Open(source.Location{Scheme: "s3", Bucket: "sparkify", Path: "gen/"}, srv.Client(), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	err = store.List(context.Background(), func(o source.Object) error {
		rc, err := store.Open(context.Background(), o)
		if err != nil {
			return err
		}
		defer rc.Close()
		got[strings.TrimPrefix(o.Key, "gen/")], err = io.ReadAll(rc)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("the bucket holds %d objects, not the %d files of -out DIR", len(got), len(want))
	}

	err = run(context.Background(), append([]string{"-out", "s3://missing/gen", "-s3-path-style"}, args...), noEnv, io.Discard, io.Discard)
	if !errors.As(err, new(toolcmd.UsageError)) || !strings.Contains(err.Error(), "the bucket does not exist") {
		t.Errorf("-out s3://missing/gen: %v, want a usage error saying the bucket does not exist", err)
	}
}

func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  string // SPARKIFY_S3_PATH_STYLE
		want string // in the error; "" for none
	}{
		{"help", []string{"-help"}, "", ""},
		{"no -out", []string{}, "", "-out is required"},
		{"share above 1", []string{"-out", "x", "-match", "1.5"}, "", "-match 1.5: want a share from 0 to 1"},
		{"no song", []string{"-out", "x", "-songs", "0"}, "", "-songs 0: want 1 to"},
		{"no day", []string{"-out", "x", "-days", "0"}, "", "-days 0: want 1 to 3660"},
		{"no user", []string{"-out", "x", "-users", "0"}, "", "-users 0: want 1 or more"},
		{"negative events", []string{"-out", "x", "-events", "-1"}, "", "-events -1: want 0 or more"},
		{"bad start", []string{"-out", "x", "-start", "2018-13-01"}, "", `-start "2018-13-01": want YYYY-MM-DD`},
		{"relative file URI", []string{"-out", "file://data"}, "", "the path must be absolute"},
		{"bad bucket", []string{"-out", "s3://A_B/x"}, "", "not a valid bucket name"},
		{"extra argument", []string{"-out", "x", "more"}, "", `unexpected argument "more"`},
		{"unknown flag", []string{"-sngs", "1"}, "", "flag provided but not defined: -sngs"},
		{"bad path-style variable", []string{"-out", "x"}, "yes", `SPARKIFY_S3_PATH_STYLE="yes": want true or false`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			getenv := func(k string) string {
				if k == "SPARKIFY_S3_PATH_STYLE" {
					return tt.env
				}
				return ""
			}
			err := run(context.Background(), tt.args, getenv, io.Discard, &stderr)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{"-out", "-songs", "-events", "-users", "-days", "-match", "-seed", "-start", "-concurrency", "-s3-path-style", "-region"} {
					if !strings.Contains(stderr.String(), "  "+f+" ") && !strings.Contains(stderr.String(), "  "+f+"\n") {
						t.Errorf("-help does not list %s:\n%s", f, stderr.String())
					}
				}
				return
			}
			if !errors.As(err, new(toolcmd.UsageError)) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want a usage error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

// discard is a sink that keeps nothing.
type discard struct{}

func (discard) put(context.Context, string, []byte) error { return nil }
func (discard) String() string                            { return "discard" }

func BenchmarkEvents100k(b *testing.B) {
	sp := spec{songs: 1000, events: 100_000, users: 100, days: 30, match: 0.8, seed: 1,
		start: time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC)}
	var st stats
	for b.Loop() {
		var err error
		if st, err = generate(context.Background(), sp, discard{}, 4); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(st.bytes)
	b.ReportMetric(float64(st.events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
