// Command datagen writes a realistic Sparkify data set in the public
// bucket's layout (s3://udacity-dend) and JSON shapes, for tests, demos and
// benchmarks.
//
// Usage:
//
//	datagen -out DIR|file:///DIR|s3://BUCKET/PREFIX [-songs N] [-events N]
//	        [-users N] [-days N] [-match SHARE] [-seed N] [-start YYYY-MM-DD]
//	        [-concurrency N] [-s3-path-style] [-region REGION]
//
// It writes song_data/A/B/C/TRABC….json (one song object each, the public
// files' keys and separators), log_data/YYYY/MM/YYYY-MM-DD-events.json (one
// event a line, camelCase keys, sorted by ts; one file a day that has
// events) and log_json_path.json (the jsonpaths file for Redshift's COPY).
// The data carries the quirks a loader must survive: userId a
// string, "" when logged out; registration a float or null; year 0; empty
// locations and null coordinates; non-ASCII and double-encoded names
// ("JosÃ© GonzÃ¡lez"); userAgent values with literal double quotes; one
// artist_id spelled differently in different song files; users upgrading
// and downgrading; sessions whose itemInSession counts up. The share -match
// of the NextSong events play a song exactly (title, artist name and
// length equal to a song file's title, artist_name and duration); the
// others match none, including plays of a catalogue song whose length is
// off by 0.01 s to 30 s.
//
// The same flags give the same bytes, on any machine and whatever
// -concurrency. Existing files are overwritten; others under -out are left
// alone. For s3:// the AWS SDK's standard variables configure the client
// (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_REGION, …), the bucket must
// exist, and -s3-path-style (default $SPARKIFY_S3_PATH_STYLE) suits
// emulators. It prints one line: files, bytes, songs, events, plays and the
// matching share.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/toolcmd"
)

func main() { toolcmd.Main("datagen", run) }

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("datagen", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(fset.Output(), "Usage: datagen -out DIR|file:///DIR|s3://BUCKET/PREFIX [flags]\n\n"+
			"Writes song_data/, log_data/ and log_json_path.json in the public bucket's layout.\n\nFlags:\n")
		fset.PrintDefaults()
	}
	out := fset.String("out", "", "where to write: a directory, file:///dir or s3://bucket/prefix (required)")
	songs := fset.Int("songs", 1000, "song files (one song each)")
	events := fset.Int("events", 10000, "log events in all")
	users := fset.Int("users", 100, "users")
	days := fset.Int("days", 30, "days of logs, one file each")
	match := fset.Float64("match", 0.8, "share of NextSong events that match a song (0 to 1)")
	seed := fset.Uint64("seed", 1, "random seed: the same flags give the same bytes")
	startDay := fset.String("start", "2018-11-01", "first day of the logs (UTC)")
	conc := fset.Int("concurrency", 16, "files written at once")
	pathStyle := fset.Bool("s3-path-style", false, "path-style S3 addressing, for emulators (default $SPARKIFY_S3_PATH_STYLE)")
	region := fset.String("region", "us-west-2", "S3 region when the AWS SDK's variables name none")
	if v := getenv("SPARKIFY_S3_PATH_STYLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return toolcmd.Usage(fmt.Errorf("SPARKIFY_S3_PATH_STYLE=%q: want true or false", v))
		}
		*pathStyle = b
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return toolcmd.Usage(err)
	}
	if fset.NArg() > 0 {
		return toolcmd.Usage(fmt.Errorf("unexpected argument %q", fset.Arg(0)))
	}
	start, err := time.Parse(time.DateOnly, *startDay)
	if err != nil {
		return toolcmd.Usage(fmt.Errorf("-start %q: want YYYY-MM-DD", *startDay))
	}
	sp := spec{songs: *songs, events: *events, users: *users, days: *days, match: *match, seed: *seed, start: start}
	switch {
	case *out == "":
		return toolcmd.Usage(errors.New("-out is required: a directory, file:///dir or s3://bucket/prefix"))
	case sp.songs < 1 || sp.songs > maxSongs:
		return toolcmd.Usage(fmt.Errorf("-songs %d: want 1 to %d", sp.songs, maxSongs))
	case sp.events < 0:
		return toolcmd.Usage(fmt.Errorf("-events %d: want 0 or more", sp.events))
	case sp.users < 1:
		return toolcmd.Usage(fmt.Errorf("-users %d: want 1 or more", sp.users))
	case sp.days < 1 || sp.days > 3660:
		return toolcmd.Usage(fmt.Errorf("-days %d: want 1 to 3660", sp.days))
	case !(sp.match >= 0 && sp.match <= 1):
		return toolcmd.Usage(fmt.Errorf("-match %v: want a share from 0 to 1", sp.match))
	case *conc < 1:
		return toolcmd.Usage(fmt.Errorf("-concurrency %d: want 1 or more", *conc))
	}

	dst, err := openSink(ctx, *out, source.S3Options{Region: *region, PathStyle: *pathStyle})
	if err != nil {
		return err
	}
	st, err := generate(ctx, sp, dst, *conc)
	if err != nil {
		if msg := source.Unreachable(err); msg != "" {
			return toolcmd.Usage(fmt.Errorf("-out %s: %s (%w)", *out, msg, err))
		}
		return err
	}
	fmt.Fprintln(stdout, st.summary(dst))
	return nil
}

// stats counts what generate wrote.
type stats struct {
	files, songs, logFiles, events, plays, matched int
	bytes                                          int64
}

func (s stats) summary(dst sink) string {
	share := 0.0
	if s.plays > 0 {
		share = 100 * float64(s.matched) / float64(s.plays)
	}
	return fmt.Sprintf("datagen: wrote %d files (%d bytes) to %s: %d songs, %d events in %d log files, %d NextSong, %.2f%% matching a song",
		s.files, s.bytes, dst, s.songs, s.events, s.logFiles, s.plays, share)
}

// generate writes the data set: the song files and the days' log files at
// most conc at once, each day generated in order while earlier ones are
// written, so that memory holds three days of events at most, not all of
// them.
func generate(ctx context.Context, sp spec, dst sink, conc int) (stats, error) {
	g := newGen(sp)
	st := stats{songs: sp.songs}
	var nbytes atomic.Int64
	w, wctx := errgroup.WithContext(ctx)
	w.SetLimit(conc)
	w.Go(func() error {
		body := jsonPaths()
		nbytes.Add(int64(len(body)))
		return dst.put(wctx, "log_json_path.json", body)
	})
	// At most two days wait to be written while the next is generated.
	daysInFlight := make(chan struct{}, 2)
	var producers errgroup.Group
	producers.Go(func() error {
		for i := range g.songs {
			if wctx.Err() != nil {
				return nil
			}
			s := &g.songs[i]
			w.Go(func() error {
				body := g.appendSong(make([]byte, 0, 320), s)
				nbytes.Add(int64(len(body)))
				return dst.put(wctx, s.key(), body)
			})
		}
		return nil
	})
	producers.Go(func() error {
		for d, q := range g.dayQuotas() {
			if wctx.Err() != nil {
				return nil
			}
			if q == 0 {
				continue
			}
			body, ds := g.day(d, q, make([]byte, 0, q*512))
			st.logFiles++
			st.events += ds.events
			st.plays += ds.plays
			st.matched += ds.matched
			select {
			case daysInFlight <- struct{}{}:
			case <-wctx.Done():
				return nil
			}
			w.Go(func() error {
				defer func() { <-daysInFlight }()
				nbytes.Add(int64(len(body)))
				return dst.put(wctx, g.logKey(d), body)
			})
		}
		return nil
	})
	_ = producers.Wait()
	if err := w.Wait(); err != nil {
		return stats{}, err
	}
	if err := ctx.Err(); err != nil {
		return stats{}, err
	}
	st.files = 1 + st.songs + st.logFiles
	st.bytes = nbytes.Load()
	return st, nil
}

// jsonPaths is log_json_path.json: the log keys in the staging columns'
// order, as the public bucket's file has them.
func jsonPaths() []byte {
	var b strings.Builder
	b.WriteString("{\n    \"jsonpaths\": [\n")
	for i, k := range eventKeys {
		b.WriteString("        \"$['" + k + "']\"")
		if i < len(eventKeys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("    ]\n}\n")
	return []byte(b.String())
}

// A sink stores the files, by slash-separated key.
type sink interface {
	put(ctx context.Context, key string, body []byte) error
	String() string
}

func openSink(ctx context.Context, out string, opts source.S3Options) (sink, error) {
	if !strings.HasPrefix(out, "s3://") && !strings.HasPrefix(out, "file://") {
		abs, err := filepath.Abs(out)
		if err != nil {
			return nil, toolcmd.Usage(fmt.Errorf("-out %q: %w", out, err))
		}
		return newDirSink(abs), nil
	}
	loc, err := source.ParseLocation(out)
	if err != nil {
		return nil, toolcmd.Usage(fmt.Errorf("-out: %w", err))
	}
	if loc.Scheme == "file" {
		return newDirSink(filepath.FromSlash(loc.Path)), nil
	}
	client, err := source.NewS3Client(ctx, opts)
	if err != nil {
		return nil, toolcmd.Usage(fmt.Errorf("-out %s: %w", out, err))
	}
	return s3Sink{client: client, loc: loc}, nil
}

// dirSink writes files under a directory, creating each folder once.
type dirSink struct {
	root string
	made sync.Map // folders created
}

func newDirSink(root string) *dirSink { return &dirSink{root: root} }

func (d *dirSink) put(_ context.Context, key string, body []byte) error {
	p := filepath.Join(d.root, filepath.FromSlash(key))
	if dir := filepath.Dir(p); !d.has(dir) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		d.made.Store(dir, true)
	}
	return os.WriteFile(p, body, 0o644)
}

func (d *dirSink) has(dir string) bool {
	_, ok := d.made.Load(dir)
	return ok
}

func (d *dirSink) String() string { return d.root }

// s3Sink puts objects under a bucket's prefix.
type s3Sink struct {
	client *s3.Client
	loc    source.Location
}

func (s s3Sink) put(ctx context.Context, key string, body []byte) error {
	loc := s.loc
	loc.Path = path.Join(loc.Path, key)
	return source.PutObject(ctx, s.client, loc, body)
}

func (s s3Sink) String() string { return s.loc.String() }
