package report

// The charts of the report, one function per chart. The pieces they are
// drawn with are in plotkit.go.

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chartSpec is one chart of the report: its file, title, fixed pixel size and
// how it is drawn.
type chartSpec struct {
	file, title string
	width       int // pixels
	height      int // pixels
	draw        func(s Summary, title string, c draw.Canvas) error
}

// Chart sizes in pixels. The page shows the two user charts side by side
// and every other chart across the full width of a 1120-pixel column.
const (
	smallW, smallH = 552, 400
	wideW, wideH   = 1120, 440
)

// chartSpecs are the charts of the report, in page order.
var chartSpecs = []chartSpec{
	{"users_by_level.png", "Users by current level", smallW, smallH, drawUsersByLevel},
	{"users_by_gender.png", "Users by gender", smallW, smallH, drawUsersByGender},
	{"plays_per_day_by_gender.png", "Song plays per day by gender", wideW, wideH, drawPlaysPerDayByGender},
	{"plays_per_day_by_level.png", "Song plays per day by level at the time of play", wideW, wideH, drawPlaysPerDayByLevel},
	{"paid_share_per_day.png", "Share of song plays by paid users, per day", wideW, wideH, drawPaidShare},
	{"sessions_per_day.png", "Sessions with song plays per day", wideW, wideH, drawSessionsPerDay},
	{"plays_by_hour.png", "Song plays by hour of day (UTC)", wideW, wideH, drawPlaysByHour},
	{"plays_by_weekday_hour.png", "Song plays by weekday and hour of day (UTC)", wideW, wideH, drawWeekdayHour},
}

// ChartFiles lists the file names of every chart of a non-empty report, in
// page order.
func ChartFiles() []string {
	out := make([]string, len(chartSpecs))
	for i, c := range chartSpecs {
		out[i] = c.file
	}
	return out
}

// renderChart draws one chart and returns it encoded as PNG, exactly
// spec.width × spec.height pixels.
func renderChart(s Summary, spec chartSpec) (png []byte, err error) {
	defer func() {
		// gonum/plot panics on some invalid inputs; a bad chart must fail
		// the report, not crash the job.
		if r := recover(); r != nil {
			err = fmt.Errorf("render %s: %v", spec.file, r)
		}
	}()
	img := vgimg.NewWith(vgimg.UseWH(pixels(spec.width), pixels(spec.height)), vgimg.UseDPI(DPI))
	dc := draw.New(img)
	const margin = 10
	if err := spec.draw(s, spec.title, draw.Crop(dc, pixels(margin), -pixels(margin), pixels(margin), -pixels(margin))); err != nil {
		return nil, fmt.Errorf("render %s: %w", spec.file, err)
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode %s: %w", spec.file, err)
	}
	return buf.Bytes(), nil
}

// summaryDays returns the dates of the summary's days.
func summaryDays(s Summary) []time.Time {
	out := make([]time.Time, len(s.Days))
	for i, d := range s.Days {
		t, err := time.Parse(dateLayout, d.Date)
		if err != nil {
			panic(fmt.Sprintf("bad day %q in summary", d.Date))
		}
		out[i] = t
	}
	return out
}

func drawUsersByLevel(s Summary, title string, c draw.Canvas) error {
	return drawCategoryBars(s.Users.ByLevel, title, "Current level", c)
}

func drawUsersByGender(s Summary, title string, c draw.Canvas) error {
	return drawCategoryBars(s.Users.ByGender, title, "Gender", c)
}

// drawCategoryBars draws one bar per category, labelled with its count.
func drawCategoryBars(m map[string]int64, title, xLabel string, c draw.Canvas) error {
	cats := categories(m)
	p := newPlot(title, xLabel, "Users")
	p.Add(hGrid())
	bars := &stackedBars{width: 0.6}
	var names []string
	labels := plotter.XYLabels{}
	maxV := 0.0
	for i, k := range cats {
		vals := make([]float64, len(cats))
		vals[i] = float64(m[k])
		bars.series = append(bars.series, series{name: k, colour: categoryColour(k, i), values: vals})
		names = append(names, categoryLabel(k))
		labels.XYs = append(labels.XYs, plotter.XY{X: float64(i), Y: float64(m[k])})
		labels.Labels = append(labels.Labels, groupThousands(m[k]))
		maxV = math.Max(maxV, float64(m[k]))
	}
	p.Add(bars)
	if len(cats) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].Font = font.From(sans, 11)
			l.TextStyle[i].Color = colText
			l.Offset = vg.Point{Y: pixels(4)}
		}
		p.Add(l)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(cats))-0.5
	p.X.Tick.Label.Font.Size = 11
	countAxis(&p.Y, maxV, 1.15)
	p.Draw(c)
	return nil
}

func drawPlaysPerDayByGender(s Summary, title string, c draw.Canvas) error {
	return drawPlaysPerDay(s, title, func(d Day) map[string]int64 { return d.ByGender }, s.Plays.ByGender, c)
}

func drawPlaysPerDayByLevel(s Summary, title string, c draw.Canvas) error {
	return drawPlaysPerDay(s, title, func(d Day) map[string]int64 { return d.ByLevel }, s.Plays.ByLevel, c)
}

// drawPlaysPerDay draws the song plays per day as bars stacked by the
// categories of split.
func drawPlaysPerDay(s Summary, title string, split func(Day) map[string]int64, totals map[string]int64, c draw.Canvas) error {
	days := summaryDays(s)
	p := newPlot(title, "Day (UTC)", "Song plays")
	p.Add(weekendBands{days: days}, hGrid())
	bars := &stackedBars{width: 0.8}
	var legend []legendEntry
	for i, k := range categories(totals) {
		vals := make([]float64, len(s.Days))
		for j, d := range s.Days {
			vals[j] = float64(split(d)[k])
		}
		col := categoryColour(k, i)
		bars.series = append(bars.series, series{name: k, colour: col, values: vals})
		legend = append(legend, legendEntry{label: categoryLabel(k), thumb: swatch{col}})
	}
	p.Add(bars)
	dayAxis(p, days, wideW)
	countAxis(&p.Y, bars.maxStack(), 1.08)
	// Stacks top to bottom as in the legend, which lists them top first.
	for i, j := 0, len(legend)-1; i < j; i, j = i+1, j-1 {
		legend[i], legend[j] = legend[j], legend[i]
	}
	drawWithLegend(p, c, append(legend, weekendEntry(days)...))
	return nil
}

func drawSessionsPerDay(s Summary, title string, c draw.Canvas) error {
	days := summaryDays(s)
	p := newPlot(title, "Day (UTC)", "Sessions")
	p.Add(weekendBands{days: days}, hGrid())
	vals := make([]float64, len(s.Days))
	for i, d := range s.Days {
		vals[i] = float64(d.Sessions)
	}
	bars := &stackedBars{width: 0.8, series: []series{{name: "sessions", colour: colBlue, values: vals}}}
	p.Add(bars)
	dayAxis(p, days, wideW)
	countAxis(&p.Y, bars.maxStack(), 1.08)
	drawWithLegend(p, c, append([]legendEntry{{label: "Sessions", thumb: swatch{colBlue}}}, weekendEntry(days)...))
	return nil
}

func drawPaidShare(s Summary, title string, c draw.Canvas) error {
	days := summaryDays(s)
	p := newPlot(title, "Day (UTC)", "Plays by paid users (%)")
	p.Add(weekendBands{days: days}, hGrid())

	overall := s.Plays.PaidShare * 100
	overallStyle := draw.LineStyle{Color: colVermilion, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(6), vg.Points(4)}}
	ol, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: overall}, {X: float64(len(days)) - 0.5, Y: overall}})
	if err != nil {
		return err
	}
	ol.LineStyle = overallStyle
	p.Add(ol)

	// One line per run of consecutive days with plays: a day without plays
	// has no share, and the line must not pretend otherwise.
	lineStyle := draw.LineStyle{Color: colGreen, Width: vg.Points(2)}
	// Each day is a dot while there is room for dots; over a long period
	// only a day between two days without plays gets one (it has no line).
	var run, points plotter.XYs
	dots := len(s.Days) <= 62
	flush := func() error {
		switch {
		case len(run) == 1:
			if !dots {
				points = append(points, run[0])
			}
		case len(run) > 1:
			l, err := plotter.NewLine(run)
			if err != nil {
				return err
			}
			l.LineStyle = lineStyle
			p.Add(l)
		}
		run = nil
		return nil
	}
	for i, d := range s.Days {
		if d.PaidShare == nil {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		xy := plotter.XY{X: float64(i), Y: *d.PaidShare * 100}
		run = append(run, xy)
		if dots {
			points = append(points, xy)
		}
	}
	if err := flush(); err != nil {
		return err
	}
	glyph := draw.GlyphStyle{Color: colGreen, Radius: pixels(3), Shape: draw.CircleGlyph{}}
	if len(points) > 0 {
		sc, err := plotter.NewScatter(points)
		if err != nil {
			return err
		}
		sc.GlyphStyle = glyph
		p.Add(sc)
	}
	dayAxis(p, days, wideW)
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = plot.ConstantTicks{
		{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"},
		{Value: 75, Label: "75"}, {Value: 100, Label: "100"},
	}
	drawWithLegend(p, c, append([]legendEntry{
		{label: "Daily share", thumb: lineSwatch{lineStyle}},
		{label: fmt.Sprintf("Whole period: %s", percent(s.Plays.PaidShare)), thumb: lineSwatch{overallStyle}},
	}, weekendEntry(days)...))
	return nil
}

func drawPlaysByHour(s Summary, title string, c draw.Canvas) error {
	p := newPlot(title, "Hour of day (UTC)", "Song plays")
	p.Add(hGrid())
	vals := make([]float64, 24)
	for h, v := range s.PlaysByHour {
		vals[h] = float64(v)
	}
	bars := &stackedBars{width: 0.8, series: []series{{name: "plays", colour: colBlue, values: vals}}}
	p.Add(bars)
	p.X.Min, p.X.Max = -0.5, 23.5
	p.X.Tick.Marker = hourTicks()
	countAxis(&p.Y, bars.maxStack(), 1.08)
	p.Draw(c)
	return nil
}

func drawWeekdayHour(s Summary, title string, c draw.Canvas) error {
	grid := weekdayGrid(s.PlaysByWeekdayHour)
	maxV := 0.0
	for _, row := range s.PlaysByWeekdayHour {
		for _, v := range row {
			maxV = math.Max(maxV, float64(v))
		}
	}
	if maxV == 0 {
		maxV = 1 // a flat map still needs a colour scale
	}
	cm, err := heatColours(maxV)
	if err != nil {
		return err
	}
	hm := plotter.NewHeatMap(grid, cm.Palette(256))
	hm.Min, hm.Max = 0, maxV

	p := newPlot(title, "Hour of day (UTC)", "")
	p.Add(hm, zeroCells(grid), cellBorders{cols: 24, rows: 7})

	// Each cell shows its count, dark text on light cells and light text on
	// dark ones.
	labels := plotter.XYLabels{}
	var styles []text.Style
	for wd, row := range s.PlaysByWeekdayHour {
		for h, v := range row {
			if v == 0 {
				continue // blank: no plays
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(h), Y: float64(6 - wd)})
			labels.Labels = append(labels.Labels, cellLabel(v, maxV))
			col, err := cm.At(float64(v))
			if err != nil {
				return err
			}
			st := p.X.Tick.Label
			st.Font.Size = 9
			st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
			st.Color = colText
			if luminance(col) < 0.45 {
				st.Color = color.White
			}
			styles = append(styles, st)
		}
	}
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return err
		}
		l.TextStyle = styles
		p.Add(l)
	}

	p.X.Min, p.X.Max = -0.5, 23.5
	p.Y.Min, p.Y.Max = -0.5, 6.5
	p.X.Tick.Marker = hourTicks()
	wdTicks := make(plot.ConstantTicks, 7)
	for wd := range 7 {
		wdTicks[wd] = plot.Tick{Value: float64(6 - wd), Label: weekdayNames[wd]}
	}
	p.Y.Tick.Marker = wdTicks
	p.Y.Tick.Label.Font.Size = 11

	// The colour scale: a vertical colour bar beside the map, aligned with
	// its data area.
	const barW = 150
	heatC := draw.Crop(c, 0, -pixels(barW), 0, 0)
	p.Draw(heatC)
	data := p.DataCanvas(heatC)

	cb := newPlot("", "", "Song plays (grey cell: none)")
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	cb.HideX()
	cb.Y.Min, cb.Y.Max = 0, maxV
	cb.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		ticks := (integerTicks{}).Ticks(min, max)
		for i := range ticks {
			if ticks[i].Label != "" {
				ticks[i].Label = cellLabel(int64(ticks[i].Value), maxV)
			}
		}
		return ticks
	})
	cbC := c
	cbC.Min.X = c.Max.X - pixels(barW) + pixels(40)
	cbC.Max.X = cbC.Min.X + pixels(90)
	cbC.Min.Y, cbC.Max.Y = data.Min.Y, data.Max.Y
	cb.Draw(cbC)
	return nil
}
