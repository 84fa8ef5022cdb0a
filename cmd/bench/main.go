// Command bench measures the job's loads against the raw ceiling (COPY of
// the same rows) and the row-by-row baseline, in one run, on the same data
// and database, and writes the table to BENCHMARKS.md (issue 9). make bench
// runs it with the defaults.
//
// Usage (from the repository's root):
//
//	bench [-sizes 10000,100000,1000000] [-quick] [-keep] [-md BENCHMARKS.md]
//	      [-rowbyrow-max 100000] [-latency-objects 20000] [-latency 50ms]
//	      [-image sparkify/postgres:15]
//
// For each size (events; songs in proportion, one per 10 events and at most
// 100,000; 1,000 users; 30 days) it generates data with cmd/datagen, creates
// a fresh database in a Postgres container it starts (stock settings:
// fsync on), and measures, each with wall time and the
// job process's peak RSS:
//
//  1. the raw ceiling: COPY … FROM STDIN (FORMAT csv) of the NextSong rows,
//     flattened to CSV beforehand, into an unindexed table of
//     staging_events' shape (median of three);
//  2. the job's first load (bin built from ./cmd/job, file:// sources);
//  3. the same load again, nothing new;
//  4. one new day: the data is generated with 31 days and day 31's file is
//     held back until now (datagen spreads the events over the days it is
//     given, so -days 30 and -days 31 differ in every day);
//  5. row by row: one INSERT per NextSong record, autocommit, as tutorial
//     loaders do; above -rowbyrow-max events it is extrapolated from the
//     largest size measured, and marked so.
//
// Then it stages -latency-objects one-song objects from the S3 emulator
// (cmd/s3emulator) behind a proxy that adds -latency to every request, and
// reports the stage step of the run result. Everything listens on loopback
// and everything started is removed at the end, on failure too; the data
// stays with -keep. It prints one Markdown table with the targets of the
// issue and writes it, with the machine and where the time goes, between
// the markers of BENCHMARKS.md (appended when absent; the rest of the file
// is kept).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sparkify/warehouse/internal/toolcmd"
)

func main() { toolcmd.Main("bench", run) }

// options are the command line, validated.
type options struct {
	sizes          []int
	report         bool
	keep           bool
	md             string
	rowByRowMax    int
	latencyObjects int
	listingObjects int
	listingFirst   bool
	latency        time.Duration
	image          string
	command        string
}

func parseFlags(args []string, stderr io.Writer) (options, bool, error) {
	fset := flag.NewFlagSet("bench", flag.ContinueOnError)
	fset.SetOutput(stderr)
	sizes := fset.String("sizes", "10000,100000,1000000", "comma-separated sizes, in events")
	quick := fset.Bool("quick", false, "sizes 10000,100000 only, to try the harness")
	o := options{}
	fset.BoolVar(&o.report, "report", false, "measure only the report (1× and 10× history, the default period and 30d) and the rollups' share of a day's load, at the largest size; writes its own section of -md")
	fset.BoolVar(&o.keep, "keep", false, "keep the generated data (its folder is printed)")
	fset.StringVar(&o.md, "md", "BENCHMARKS.md", "file whose marked section receives the results; empty: print only")
	fset.IntVar(&o.rowByRowMax, "rowbyrow-max", 100000, "largest size measured row by row; larger ones are extrapolated")
	fset.IntVar(&o.latencyObjects, "latency-objects", 20000, "one-song objects staged behind the slow S3; 0 skips it")
	fset.IntVar(&o.listingObjects, "listing-objects", 1000000, "generated one-song objects in a source the warehouse holds, listed by a load for its peak RSS; 0 skips it")
	fset.BoolVar(&o.listingFirst, "listing-first", false, "also measure the first load of the -listing-objects objects (about 15 minutes at 1M on 2 cores)")
	fset.DurationVar(&o.latency, "latency", 50*time.Millisecond, "delay added to every S3 request")
	fset.StringVar(&o.image, "image", "sparkify/postgres:15", "Postgres image (make images builds it)")
	if help, err := toolcmd.Parse(fset, args); help || err != nil {
		return o, help, err
	}
	list := *sizes
	quickSet := false
	fset.Visit(func(f *flag.Flag) {
		if f.Name == "sizes" {
			quickSet = true
		}
	})
	if *quick {
		if quickSet {
			return o, false, toolcmd.Usage(errors.New("-quick and -sizes: give one of them"))
		}
		list = "10000,100000"
	}
	var err error
	if o.sizes, err = parseSizes(list); err != nil {
		return o, false, toolcmd.Usage(fmt.Errorf("-sizes %q: %w", list, err))
	}
	if o.latencyObjects < 0 || o.listingObjects < 0 || o.latency < 0 || o.rowByRowMax < 0 {
		return o, false, toolcmd.Usage(errors.New("-latency-objects, -listing-objects, -latency and -rowbyrow-max cannot be negative"))
	}
	o.command = strings.TrimSpace("go run ./cmd/bench " + strings.Join(args, " "))
	return o, false, nil
}

// parseSizes reads "10000,100000": positive, increasing event counts.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 100 {
			return nil, fmt.Errorf("%q: want a number of events, at least 100", f)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("%d: sizes must increase", n)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, help, err := parseFlags(args, stderr)
	if help || err != nil {
		return err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return toolcmd.Usage(errors.New("run bench from the repository's root (make bench): it builds ./cmd/job, ./cmd/datagen and ./cmd/s3emulator"))
	}
	work, err := os.MkdirTemp("", "sparkify-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "bench: data kept in", work)
	} else {
		defer os.RemoveAll(work)
	}
	b := &bench{opts: o, work: work, log: stderr}
	rep, err := b.all(ctx)
	if err != nil {
		return err
	}
	text, begin, end := "", beginMarker, endMarker
	if rep.Report != nil {
		text, begin, end = rep.Report.markdown(o.command, rep.Date, rep.Machine), reportBeginMarker, reportEndMarker
	} else {
		text = rep.markdown()
	}
	fmt.Fprintln(stdout, text)
	if o.md == "" {
		return nil
	}
	doc, err := os.ReadFile(o.md)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	out, err := spliceMarkers(string(doc), text, begin, end)
	if err != nil {
		return fmt.Errorf("%s: %w", o.md, err)
	}
	tmp := o.md + ".tmp"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, o.md); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: wrote %s\n", filepath.Clean(o.md))
	return nil
}
