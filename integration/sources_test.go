//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
)

// The warehouse equals its sources: after any sequence of loads over
// sources that change (objects added, rewritten shorter, longer or with
// corrected values, deleted, and full refreshes), the star tables equal one
// load of the sources as they are now into a fresh database, row ids
// aside. These tests generate the sources, apply random sequences of
// changes (each seed printed, so a failure can be replayed), load after
// every change, and compare with a fresh database each time.

// genSources is a generated bucket: song files and log days, as bytes by
// key, and the generator that changes them.
type genSources struct {
	rng     *rand.Rand
	objects map[string][]byte
	songs   []genSong // every song ever written, for plays to refer to
	days    int       // log days written so far
	nextID  int
}

type genSong struct {
	ID, Title, ArtistID, ArtistName string
	Duration                        float64
}

func newGenSources(seed uint64) *genSources {
	g := &genSources{rng: rand.New(rand.NewPCG(seed, 1)), objects: map[string][]byte{}}
	for range 6 {
		g.addSong()
	}
	for range 2 {
		g.addDay()
	}
	return g
}

var genArtists = []struct{ id, name, location string }{
	{"ARAAAAA1187B9A0001", "Casual", "California - LA"},
	{"ARAAAAA1187B9A0002", "Sigur Rós", ""},
	{"ARAAAAA1187B9A0003", "JosÃ© GonzÃ¡lez", "GÃ¶teborg, Sweden"},
}

func (g *genSources) songKey(id string) string { return "song_data/A/B/" + id + ".json" }

func (g *genSources) putSong(s genSong, year int, location string) {
	b, _ := json.Marshal(map[string]any{
		"num_songs": 1, "artist_id": s.ArtistID, "artist_latitude": nil, "artist_longitude": nil,
		"artist_location": location, "artist_name": s.ArtistName, "song_id": s.ID,
		"title": s.Title, "duration": s.Duration, "year": year,
	})
	g.objects[g.songKey(s.ID)] = b
}

func (g *genSources) addSong() string {
	g.nextID++
	a := genArtists[g.rng.IntN(len(genArtists))]
	name := a.name
	if g.rng.IntN(4) == 0 {
		name = strings.ToUpper(name) // another spelling of the same artist
	}
	s := genSong{
		ID:       fmt.Sprintf("SOGEN%04dAB0186C9B", g.nextID),
		Title:    fmt.Sprintf("Song %d", g.nextID),
		ArtistID: a.id, ArtistName: name,
		Duration: float64(150000+g.rng.IntN(100000)) / 1000,
	}
	g.songs = append(g.songs, s)
	g.putSong(s, g.rng.IntN(2)*2005, a.location)
	return "add " + g.songKey(s.ID)
}

// correctSong rewrites a song file with a corrected title and, sometimes,
// another spelling of its artist: its plays then match the new title only.
func (g *genSources) correctSong() string {
	key := g.pick("song_data/")
	if key == "" {
		return g.addSong()
	}
	for i, s := range g.songs {
		if g.songKey(s.ID) == key {
			s.Title += " (Remastered)"
			if g.rng.IntN(2) == 0 {
				s.ArtistName = strings.ToLower(s.ArtistName)
			}
			g.songs[i] = s
			g.putSong(s, 2011, "")
		}
	}
	return "correct " + key
}

func (g *genSources) dayKey(d int) string {
	return fmt.Sprintf("log_data/2018/11/2018-11-%02d-events.json", d)
}

// events returns n log lines of day d: song plays of known songs (matching
// or, with a wrong length, not), plays of unknown songs, and other pages.
func (g *genSources) events(d, n int) []string {
	base := time.Date(2018, 11, d, 0, 0, 0, 0, time.UTC).UnixMilli()
	var lines []string
	for range n {
		user := 1 + g.rng.IntN(6)
		ev := map[string]any{
			"artist": nil, "auth": "Logged In", "firstName": fmt.Sprintf("First%d", user), "gender": "F",
			"itemInSession": g.rng.IntN(40), "lastName": fmt.Sprintf("Last%d", user), "length": nil,
			"level": []string{"free", "paid"}[g.rng.IntN(2)], "location": fmt.Sprintf("City %d", g.rng.IntN(3)),
			"method": "PUT", "page": "NextSong", "registration": 1540919166796.0,
			"sessionId": 100*d + user, "song": nil, "status": 200,
			"ts": base + int64(g.rng.IntN(86_400_000)), "userAgent": `"Mozilla/5.0"`, "userId": fmt.Sprint(user),
		}
		switch r := g.rng.IntN(10); {
		case r < 6 && len(g.songs) > 0:
			s := g.songs[g.rng.IntN(len(g.songs))]
			ev["song"], ev["artist"], ev["length"] = s.Title, s.ArtistName, s.Duration
			if r == 0 {
				ev["length"] = s.Duration + 1 // no song matches
			}
		case r < 8:
			ev["song"], ev["artist"], ev["length"] = "Unknown Song", "Nobody", 200.5
		default:
			ev["page"] = "Home"
		}
		b, _ := json.Marshal(ev)
		lines = append(lines, string(b))
	}
	return lines
}

func (g *genSources) putDay(key string, lines []string) {
	g.objects[key] = []byte(strings.Join(lines, "\n") + "\n")
}

func (g *genSources) addDay() string {
	g.days++
	key := g.dayKey(g.days)
	g.putDay(key, g.events(g.days, 20+g.rng.IntN(20)))
	return "add " + key
}

func (g *genSources) lines(key string) []string {
	return strings.Split(strings.TrimSuffix(string(g.objects[key]), "\n"), "\n")
}

// rewriteDay rewrites a log day: shorter (every other line), longer (new
// events appended), or with corrected values (level, location and gender).
func (g *genSources) rewriteDay() string {
	key := g.pick("log_data/")
	if key == "" {
		return g.addDay()
	}
	lines := g.lines(key)
	var d int
	fmt.Sscanf(key, "log_data/2018/11/2018-11-%02d", &d)
	switch g.rng.IntN(3) {
	case 0:
		var kept []string
		for i, l := range lines {
			if i%2 == 0 {
				kept = append(kept, l)
			}
		}
		g.putDay(key, kept)
		return "shorten " + key
	case 1:
		g.putDay(key, append(lines, g.events(d, 10)...))
		return "lengthen " + key
	}
	for i, l := range lines {
		if i%3 == 0 {
			var ev map[string]any
			_ = json.Unmarshal([]byte(l), &ev)
			ev["level"], ev["location"], ev["gender"] = "paid", "Corrected City", "M"
			b, _ := json.Marshal(ev)
			lines[i] = string(b)
		}
	}
	g.putDay(key, lines)
	return "correct " + key
}

func (g *genSources) remove(prefix string) string {
	key := g.pick(prefix)
	if key == "" {
		return "nothing to delete under " + prefix
	}
	delete(g.objects, key)
	return "delete " + key
}

// pick returns a random existing key under prefix, or "".
func (g *genSources) pick(prefix string) string {
	var keys []string
	for k := range g.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return keys[g.rng.IntN(len(keys))]
}

// step applies one random change and says what it was; full reports a step
// that is a full refresh instead.
func (g *genSources) step() (what string, full bool) {
	switch g.rng.IntN(9) {
	case 0:
		return g.addDay(), false
	case 1, 2:
		return g.rewriteDay(), false
	case 3:
		return g.remove("log_data/"), false
	case 4:
		return g.addSong(), false
	case 5, 6:
		return g.correctSong(), false
	case 7:
		return g.remove("song_data/"), false
	}
	return "full refresh", true
}

// sync makes the bucket hold exactly g's objects.
func (g *genSources) sync(t *testing.T, s *Stack) {
	t.Helper()
	ctx := context.Background()
	client := s.S3Client()
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(s.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		k := aws.ToString(o.Key)
		if _, ok := g.objects[k]; !ok && (strings.HasPrefix(k, "song_data/") || strings.HasPrefix(k, "log_data/")) {
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: o.Key}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k, b := range g.objects {
		s.Put(t, k, b)
	}
}

// freshLoad loads the sources as they are now into a new database and
// returns its star tables, row ids aside.
func freshLoad(t *testing.T, s *Stack, n int) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db := fmt.Sprintf("fresh_%d_%d", seq.Add(1), n)
	admin, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)")
	jobURL, err := url.Parse(envOr("SPARKIFY_DATABASE_URL", ""))
	if err != nil {
		t.Fatal(err)
	}
	jobURL.Path = "/" + db
	t.Setenv("SPARKIFY_DATABASE_URL", jobURL.String())
	t.Setenv("SPARKIFY_STAGING_URI", "") // one full load
	mustLoad(t)
	dumpURL, err := url.Parse(s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	dumpURL.Path = "/" + db
	return withoutRowIDs(dump(t, dumpURL.String()))
}

// withoutRowIDs drops songplay_id and sorts songplays by their other
// columns: ids depend on the order in which plays arrived.
func withoutRowIDs(tables map[string][]string) map[string][]string {
	var plays []string
	for _, r := range tables["songplays"] {
		_, rest, _ := strings.Cut(r, "|")
		plays = append(plays, rest)
	}
	slices.Sort(plays)
	tables["songplays"] = plays
	return tables
}

// testWarehouseEqualsItsSources runs random change sequences on each
// target, with SPARKIFY_DELETED_SOURCES=retract (the warehouse follows its
// sources), comparing the tables with a fresh database after every load.
func testWarehouseEqualsItsSources(t *testing.T, target string) {
	seeds := map[string][]uint64{"postgres": {1, 2, 3}, "redshift": {4, 5}}
	if len(seeds[target]) == 0 {
		t.Fatalf("no seeds for engine %s: give it some of its own", target)
	}
	for _, seed := range seeds[target] {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			s := startStack(t)
			s.Env(t)
			s.UseTarget(t, target)
			if target != "postgres" {
				t.Setenv("SPARKIFY_STAGING_URI", "s3://"+s.Bucket+"/staging")
			}
			t.Setenv("SPARKIFY_DELETED_SOURCES", "retract")
			g := newGenSources(seed)
			g.sync(t, s)
			var history []string
			for i := range 8 {
				what, full := "first load", false
				if i > 0 {
					what, full = g.step()
					g.sync(t, s)
				}
				history = append(history, what)
				jobEnv := map[string]string{
					"SPARKIFY_DATABASE_URL": envOr("SPARKIFY_DATABASE_URL", ""),
					"SPARKIFY_STAGING_URI":  envOr("SPARKIFY_STAGING_URI", ""),
				}
				t.Setenv("SPARKIFY_FULL_REFRESH", fmt.Sprint(full))
				out := mustLoad(t)
				got := dump(t, s.DatabaseURL)
				assertRowCounts(t, out, got)
				assertRollups(t, s.DatabaseURL)
				t.Setenv("SPARKIFY_FULL_REFRESH", "false")
				want := freshLoad(t, s, i)
				for k, v := range jobEnv {
					t.Setenv(k, v)
				}
				if t.Failed() {
					t.Fatalf("after %q", history)
				}
				got = withoutRowIDs(got)
				for _, table := range []string{"songplays", "users", "songs", "artists", "time"} {
					if !slices.Equal(got[table], want[table]) {
						t.Fatalf("seed %d, after %q: %s differs from a fresh load of the sources\n got: %q\nwant: %q",
							seed, history, table, got[table], want[table])
					}
				}
			}
			t.Logf("seed %d: %q", seed, history)
		})
	}
}

// testSourcesThatChange: the three changes a warehouse most often sees in
// its sources, each followed by a load compared with a fresh database of
// the sources as they are then: a corrected song file (a later-sorting
// title), a log day rewritten with half its lines, and a deleted log day,
// kept by default (its rows stay) and gone after a full refresh, or
// retracted at once with SPARKIFY_DELETED_SOURCES=retract.
func testSourcesThatChange(t *testing.T, target string) {
	for _, policy := range []string{"keep", "retract"} {
		t.Run(policy, func(t *testing.T) {
			s := incrementalStack(t, target)
			t.Setenv("SPARKIFY_DELETED_SOURCES", policy)
			mustLoad(t)
			compare := func(after string) {
				t.Helper()
				env := map[string]string{"SPARKIFY_DATABASE_URL": envOr("SPARKIFY_DATABASE_URL", ""), "SPARKIFY_STAGING_URI": envOr("SPARKIFY_STAGING_URI", "")}
				got := withoutRowIDs(dump(t, s.DatabaseURL))
				fresh := freshLoad(t, s, 0)
				for k, v := range env {
					t.Setenv(k, v)
				}
				for _, table := range []string{"songplays", "users", "songs", "artists", "time"} {
					if !slices.Equal(got[table], fresh[table]) {
						t.Errorf("after %s: %s differs from a fresh load\n  got: %q\nfresh: %q", after, table, got[table], fresh[table])
					}
				}
			}

			// Face the Ashes, corrected: its plays no longer match it.
			song := "song_data/A/B/A/TRABACN128F425B784.json"
			body, err := os.ReadFile(filepath.Join(fixture, song))
			if err != nil {
				t.Fatal(err)
			}
			corrected := strings.Replace(string(body), `"title": "Face the Ashes"`, `"title": "Face the Ashes (Remastered)"`, 1)
			if corrected == string(body) {
				t.Fatalf("%s has no title to correct:\n%s", song, body)
			}
			s.Put(t, song, []byte(corrected))
			out := mustLoad(t)
			assertRowCounts(t, out, dump(t, s.DatabaseURL))
			compare("a corrected song")

			day1 := "log_data/2018/11/2018-11-01-events.json"
			body, err = os.ReadFile(filepath.Join(fixture, day1))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(string(body), "\n")
			s.Put(t, day1, []byte(strings.Join(lines[:len(lines)/2], "")))
			out = mustLoad(t)
			assertRowCounts(t, out, dump(t, s.DatabaseURL))
			compare("a day rewritten with half its lines")

			kept := dump(t, s.DatabaseURL)
			if _, err := s.S3Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(day1)}); err != nil {
				t.Fatal(err)
			}
			out = mustLoad(t)
			assertRowCounts(t, out, dump(t, s.DatabaseURL))
			if policy == "retract" {
				compare("a deleted day")
			} else {
				assertTables(t, dump(t, s.DatabaseURL), kept)
			}

			t.Setenv("SPARKIFY_FULL_REFRESH", "true")
			out = mustLoad(t)
			assertRowCounts(t, out, dump(t, s.DatabaseURL))
			t.Setenv("SPARKIFY_FULL_REFRESH", "false")
			compare("a full refresh")
		})
	}
}
