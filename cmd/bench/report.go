package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Targets of issue 9, on this 2-core machine class.
const (
	targetFirst      = 5.0   // first load ≤ 5× the raw COPY (at 1M events)
	targetAgain      = 0.5   // nothing new ≤ 0.5×
	targetNewDay     = 1.0   // one new day ≤ 1×
	targetRowByRow   = 100.0 // first load ≥ 100× faster than row by row
	targetScaling    = 1.1   // 10× the data ≤ 11× the time
	targetRSSKiB     = 256 * 1024
	targetLatencyObj = 15 * time.Second // 20,000 objects behind 50 ms
)

// jobRun is one run of the job: wall time, the process's peak RSS and the
// steps of its run result.
type jobRun struct {
	Wall      time.Duration
	MaxRSSKiB int64
	Steps     []step
}

// step is one step of a load, from the run result.
type step struct {
	Name     string
	Duration time.Duration
}

// sizeResult is what one size measured.
type sizeResult struct {
	Events       int // the size asked for
	Songs        int // song objects
	FirstEvents  int // events in the 30 days of the first load
	NextSong     int // NextSong records among them: the rows of COPY and row by row
	NewDayEvents int // events of day 31
	Copy         time.Duration
	CopyRuns     int
	First        jobRun
	Again        jobRun
	NewDay       jobRun
	RowByRow     time.Duration // measured, or extrapolated when RowByRowEst
	RowByRowEst  bool
	RowByRowFrom int // the size whose per-row time was extrapolated
}

// latencyResult is the staging of many small objects behind a slow S3.
type latencyResult struct {
	Objects int
	Delay   time.Duration
	Stage   time.Duration // the songs' stage step
	Run     jobRun
}

// machine describes where the figures come from.
type machine struct {
	CPUs      int
	CPUModel  string
	MemTotal  string
	GoVersion string
	Postgres  string
	LoadStart string // /proc/loadavg's first three fields
	LoadEnd   string
}

// report is one run of the harness.
type report struct {
	Date     time.Time
	Command  string
	Elapsed  time.Duration
	Machine  machine
	Sizes    []sizeResult
	Latency  *latencyResult // nil when not measured
	Listing  *listingResult // nil when not measured
	Report   *reportResult  // -report: nil otherwise
	TopSteps []step         // the largest size's first load, longest first
	TopOf    int            // that size
	Notes    []string
}

// verdict says whether a target is met.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**NOT met**"
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 100*time.Second:
		d = d.Round(time.Second)
		m := int(d / time.Minute)
		s := (d - time.Duration(m)*time.Minute).Seconds()
		return fmt.Sprintf("%d min %02.0f s", m, s)
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtRatio(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.1f×", r)
	default:
		return fmt.Sprintf("%.2f×", r)
	}
}

func fmtMiB(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

// fmtInt spells n with thousands separators: 1,000,000.
func fmtInt(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// table renders the results as one Markdown table: a row per measurement,
// its ratio to the raw COPY of the same size and, where the issue sets a
// target, whether it is met. The ratio targets are judged at the largest
// size (the issue sets them at 1M events); the smaller sizes show how the
// ratios scale.
func (r *report) table() string {
	var b strings.Builder
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	row("events", "run", "wall", "peak RSS", "× raw COPY", "target", "result")
	row("---:", "---", "---:", "---:", "---:", "---", "---")
	largest := len(r.Sizes) - 1
	for i, s := range r.Sizes {
		ev := fmtInt(s.Events)
		judged := i == largest
		ratioRow := func(name string, run jobRun, target float64) {
			x := ratio(run.Wall, s.Copy)
			t := fmt.Sprintf("≤ %g×", target)
			res := "— (judged at the largest size)"
			if judged {
				res = verdict(x <= target)
			}
			row(ev, name, fmtDur(run.Wall), fmtMiB(run.MaxRSSKiB), fmtRatio(x), t, res)
		}
		row(ev, fmt.Sprintf("raw COPY of the %s NextSong rows, pre-flattened CSV (median of %d)", fmtInt(s.NextSong), s.CopyRuns),
			fmtDur(s.Copy), "", "1×", "", "")
		ratioRow(fmt.Sprintf("job: first load (%s songs, %s events over 30 days)", fmtInt(s.Songs), fmtInt(s.FirstEvents)), s.First, targetFirst)
		ratioRow("job: the same load again, nothing new", s.Again, targetAgain)
		ratioRow(fmt.Sprintf("job: one new day (day 31, %s events)", fmtInt(s.NewDayEvents)), s.NewDay, targetNewDay)
		speedup := ratio(s.RowByRow, s.First.Wall)
		switch {
		case s.RowByRowEst && s.RowByRowFrom == 0:
			row(ev, "row by row, one INSERT per NextSong record: *not run* (no size measured to extrapolate from)", "", "", "", "first load ≥ 100× faster", "not judged")
		case s.RowByRowEst:
			row(ev, fmt.Sprintf("row by row, one INSERT per NextSong record: *not run* (extrapolated from %s events' time per row)", fmtInt(s.RowByRowFrom)),
				"≈ "+fmtDur(s.RowByRow), "", "≈ "+fmtRatio(ratio(s.RowByRow, s.Copy)),
				"first load ≥ 100× faster: ≈ "+fmtRatio(speedup), verdict(speedup >= targetRowByRow)+" (extrapolated)")
		default:
			row(ev, "row by row, one INSERT per NextSong record (autocommit)", fmtDur(s.RowByRow), "", fmtRatio(ratio(s.RowByRow, s.Copy)),
				"first load ≥ 100× faster: "+fmtRatio(speedup), verdict(speedup >= targetRowByRow))
		}
	}
	for i := 1; i < len(r.Sizes); i++ {
		a, z := r.Sizes[i-1], r.Sizes[i]
		data := float64(z.Events) / float64(a.Events)
		t := ratio(z.First.Wall, a.First.Wall)
		row(fmtInt(z.Events), fmt.Sprintf("scaling: first load at %s vs %s events (%s the data)", fmtInt(z.Events), fmtInt(a.Events), fmtRatio(data)),
			fmtRatio(t)+" the time", "", "", fmt.Sprintf("≤ %s the time", fmtRatio(data*targetScaling)), verdict(t <= data*targetScaling))
	}
	var peak int64
	for _, s := range r.Sizes {
		peak = max(peak, s.First.MaxRSSKiB, s.Again.MaxRSSKiB, s.NewDay.MaxRSSKiB)
	}
	if r.Latency != nil {
		peak = max(peak, r.Latency.Run.MaxRSSKiB)
	}
	row("all", "peak RSS of every job run", "", fmtMiB(peak), "", "≤ 256 MiB", verdict(peak <= targetRSSKiB))
	if l := r.Listing; l != nil {
		runs := []struct {
			name string
			run  jobRun
		}{{"a load listing %s one-song objects the ledger holds", l.Again}}
		if l.First.Wall > 0 {
			runs = []struct {
				name string
				run  jobRun
			}{{"the first load of %s one-song objects", l.First}, {"the same load again, listing %s objects the ledger holds", l.Again}}
		}
		for _, run := range runs {
			row("—", fmt.Sprintf(run.name+", GOMEMLIMIT as the job sets it under the load CronJob's 512 MiB", fmtInt(l.Objects)),
				fmtDur(run.run.Wall), fmtMiB(run.run.MaxRSSKiB), "", "peak ≤ 350 MiB", verdict(run.run.MaxRSSKiB <= targetListingKiB))
		}
	}
	if l := r.Latency; l != nil {
		row("—", fmt.Sprintf("stage %s one-song objects, %d ms added to every S3 request (whole run %s)", fmtInt(l.Objects), l.Delay.Milliseconds(), fmtDur(l.Run.Wall)),
			fmtDur(l.Stage), fmtMiB(l.Run.MaxRSSKiB), "", "< 15 s", verdict(l.Stage < targetLatencyObj))
	}
	return b.String()
}

// markdown is the whole write-up: the table, the machine, the command and
// where the time goes. The same text goes to stdout and BENCHMARKS.md.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## make bench: the job against raw COPY and row by row\n\n")
	fmt.Fprintf(&b, "`%s`, run %s, took %s.\n\n", r.Command, r.Date.UTC().Format("2006-01-02 15:04 MST"), fmtDur(r.Elapsed))
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s memory; %s; %s. Load average (1, 5, 15 min) %s at the start, %s at the end",
		m.CPUs, m.CPUModel, m.MemTotal, m.GoVersion, m.Postgres, m.LoadStart, m.LoadEnd)
	if m.CPUs > 0 {
		b.WriteString(" (the machine is shared: a load above the CPU count means other work ran beside the benchmark)")
	}
	b.WriteString(".\n\n")
	b.WriteString(r.table())
	b.WriteString("\n")
	if len(r.TopSteps) > 0 {
		var total time.Duration
		for _, s := range r.TopSteps {
			total += s.Duration
		}
		fmt.Fprintf(&b, "Where the time goes: the five longest steps of the first load at %s events (of %s in all steps):\n\n", fmtInt(r.TopOf), fmtDur(total))
		top := slices.Clone(r.TopSteps)
		slices.SortStableFunc(top, func(x, y step) int { return cmp.Compare(y.Duration, x.Duration) })
		for i, s := range top[:min(5, len(top))] {
			fmt.Fprintf(&b, "%d. `%s`: %s (%.0f%%)\n", i+1, shorten(s.Name, 90), fmtDur(s.Duration), 100*ratio(s.Duration, total))
		}
		b.WriteString("\n")
	}
	if why := r.why(); len(why) > 0 {
		b.WriteString("Why a target is not met, from the same run:\n\n")
		for _, w := range why {
			b.WriteString("- " + w + "\n")
		}
		b.WriteString("\n")
	}
	for _, n := range r.Notes {
		b.WriteString("- " + n + "\n")
	}
	return b.String()
}

// why explains, from the figures of the largest size, each ratio target
// that it misses: where the run's time went, as multiples of the raw COPY.
func (r *report) why() []string {
	if len(r.Sizes) == 0 {
		return nil
	}
	s := r.Sizes[len(r.Sizes)-1]
	var out []string
	if x := ratio(s.First.Wall, s.Copy); x > targetFirst {
		var stage, insert, rest time.Duration
		for _, st := range s.First.Steps {
			switch {
			case strings.HasPrefix(st.Name, "stage "):
				stage += st.Duration
			case strings.Contains(st.Name, "INSERT INTO songplays"):
				insert += st.Duration
			default:
				rest += st.Duration
			}
		}
		out = append(out, fmt.Sprintf("First load, %s× the raw COPY: staging alone (%s song objects and %s events read, decoded and copied into the staging tables) takes %s×, "+
			"the insert into `songplays` (%s rows into a table with three indexes, numbered in time order) %s×, and every other transform and check together %s×. "+
			"The raw COPY writes the NextSong rows once into an unindexed table; the load also derives users, songs, artists and time, matches every play to the catalogue "+
			"and checks what it wrote, in one transaction, and Postgres runs each statement on one core.",
			fmtNum(x), fmtInt(s.Songs), fmtInt(s.FirstEvents), fmtNum(ratio(stage, s.Copy)), fmtInt(s.NextSong), fmtNum(ratio(insert, s.Copy)), fmtNum(ratio(rest, s.Copy))))
	}
	slowest := func(run jobRun) string {
		top := slices.Clone(run.Steps)
		slices.SortStableFunc(top, func(x, y step) int { return cmp.Compare(y.Duration, x.Duration) })
		var parts []string
		for _, st := range top[:min(3, len(top))] {
			parts = append(parts, fmt.Sprintf("`%s` %s×", shorten(st.Name, 90), fmtNum(ratio(st.Duration, s.Copy))))
		}
		return strings.Join(parts, ", ")
	}
	if x := ratio(s.Again.Wall, s.Copy); x > targetAgain {
		out = append(out, fmt.Sprintf("Nothing new, %s× the raw COPY: no transform runs; its slowest steps are %s (listing %s song objects and comparing them with the ledger is in the songs' stage step).",
			fmtNum(x), slowest(s.Again), fmtInt(s.Songs)))
	}
	if x := ratio(s.NewDay.Wall, s.Copy); x > targetNewDay {
		out = append(out, fmt.Sprintf("One new day, %s× the raw COPY: its slowest steps are %s.", fmtNum(x), slowest(s.NewDay)))
	}
	if rb := ratio(s.RowByRow, s.Copy); s.RowByRow > 0 && ratio(s.RowByRow, s.First.Wall) < targetRowByRow {
		out = append(out, fmt.Sprintf("Row by row: the targets \"first load ≤ %g× the raw COPY\" and \"≥ %g× faster than row by row\" hold together only where row by row takes at least %g× the raw COPY; "+
			"here it takes %s× (%s a row, one commit each), so even a first load as fast as the raw COPY would be %s× faster than row by row.",
			targetFirst, targetRowByRow, targetFirst*targetRowByRow, fmtNum(rb), fmtPerRow(s.RowByRow, s.NextSong), fmtNum(rb)))
	}
	return out
}

// fmtNum prints a ratio with three significant digits at most.
func fmtNum(x float64) string { return strings.TrimSuffix(fmtRatio(x), "×") }

// fmtPerRow is d spread over n rows.
func fmtPerRow(d time.Duration, n int) string {
	if n == 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f ms", float64(d)/float64(n)/float64(time.Millisecond))
}

// shorten cuts s to at most n bytes at a space, marking the cut with "…".
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut <= 0 {
		cut = n
	}
	return s[:cut] + " …"
}

// Markers of the section of BENCHMARKS.md that make bench owns.
const (
	beginMarker = "<!-- make bench: begin -->"
	endMarker   = "<!-- make bench: end -->"
)

// splice returns doc with the text between the markers replaced by
// section, or with the markers and section appended when doc has none. The
// rest of doc is kept byte for byte.
func splice(doc, section string) (string, error) {
	return spliceMarkers(doc, section, beginMarker, endMarker)
}

// spliceMarkers is splice between the given markers.
func spliceMarkers(doc, section, beginMarker, endMarker string) (string, error) {
	block := beginMarker + "\n" + strings.TrimRight(section, "\n") + "\n" + endMarker
	i := strings.Index(doc, beginMarker)
	j := strings.Index(doc, endMarker)
	switch {
	case i < 0 && j < 0:
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		if doc != "" {
			doc += "\n"
		}
		return doc + block + "\n", nil
	case i < 0 || j < i:
		return "", fmt.Errorf("the markers %q and %q are not a pair in this order", beginMarker, endMarker)
	}
	return doc[:i] + block + doc[j+len(endMarker):], nil
}
