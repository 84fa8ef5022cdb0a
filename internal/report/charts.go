package report

// The charts of the report, one function per chart. The pieces they are
// drawn with are in plotkit.go.

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chartSpec is one chart of the report: its file, title, fixed pixel size and
// how it is drawn.
type chartSpec struct {
	file  string // the PNG; the SVG is svgFile(file)
	title string // a per-day chart's holds one %s for its unit, "day" or "week"
	// perDay is true for the charts of one bar or point per day, which a
	// long period draws per week instead.
	perDay bool
	width  int // pixels
	height int // pixels
	draw   func(s Summary, title string, c draw.Canvas) error
}

// Chart sizes in pixels. The page shows the two user charts side by side
// and every other chart across the full width of a 1120-pixel column.
const (
	smallW, smallH = 552, 400
	wideW, wideH   = 1120, 440
)

// chartSpecs are the charts of the report, in page order.
var chartSpecs = []chartSpec{
	{"users_by_level.png", "Users by current level", false, smallW, smallH, drawUsersByLevel},
	{"users_by_gender.png", "Users by gender", false, smallW, smallH, drawUsersByGender},
	{"plays_per_day_by_gender.png", "Song plays per %s by gender", true, wideW, wideH, drawPlaysPerDayByGender},
	{"plays_per_day_by_level.png", "Song plays per %s by level at the time of play", true, wideW, wideH, drawPlaysPerDayByLevel},
	{"paid_share_per_day.png", "Share of song plays by paid users, per %s", true, wideW, wideH, drawPaidShare},
	{"sessions_per_day.png", "Sessions with song plays per %s", true, wideW, wideH, drawSessionsPerDay},
	{"plays_by_hour.png", "Song plays by hour of day (UTC)", false, wideW, wideH, drawPlaysByHour},
	{"plays_by_weekday_hour.png", "Average song plays by weekday and hour of day (UTC)", false, wideW, wideH, drawWeekdayHour},
}

// titleFor is the chart's title for s: per day or per week.
func (c chartSpec) titleFor(s Summary) string {
	if c.perDay {
		return fmt.Sprintf(c.title, unitName(weekly(s)))
	}
	return c.title
}

// svgFile is the name of the SVG drawn beside the PNG named png.
func svgFile(png string) string { return strings.TrimSuffix(png, ".png") + ".svg" }

// ChartFiles lists the file names of every chart of a non-empty report, in
// page order: each chart's PNG, then its SVG.
func ChartFiles() []string {
	out := make([]string, 0, 2*len(chartSpecs))
	for _, c := range chartSpecs {
		out = append(out, c.file, svgFile(c.file))
	}
	return out
}

// renderChart draws one chart twice, encoded as PNG and as SVG, both
// spec.width × spec.height pixels (CSS pixels for the SVG).
func renderChart(s Summary, spec chartSpec) (png, svg []byte, err error) {
	defer func() {
		// gonum/plot panics on some invalid inputs; a bad chart must fail
		// the report, not crash the job.
		if r := recover(); r != nil {
			err = fmt.Errorf("render %s: %v", spec.file, r)
		}
	}()
	w, h := pixels(spec.width), pixels(spec.height)
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	vec := vgsvg.NewWith(vgsvg.UseWH(w, h))
	vecC := draw.New(vec)
	vecC.FillPolygon(color.White, rect(0, 0, w, h)) // as the PNG: not transparent
	for _, c := range []draw.Canvas{draw.New(img), vecC} {
		const margin = 10
		if err := spec.draw(s, spec.titleFor(s), draw.Crop(c, pixels(margin), -pixels(margin), pixels(margin), -pixels(margin))); err != nil {
			return nil, nil, fmt.Errorf("render %s: %w", spec.file, err)
		}
	}
	var pngBuf, svgBuf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pngBuf); err != nil {
		return nil, nil, fmt.Errorf("encode %s: %w", spec.file, err)
	}
	if _, err := vec.WriteTo(&svgBuf); err != nil {
		return nil, nil, fmt.Errorf("encode %s: %w", svgFile(spec.file), err)
	}
	return pngBuf.Bytes(), []byte(svgFixes.Replace(svgBuf.String())), nil
}

// svgFixes correct three things in vgsvg's output. Its text names only
// Liberation Sans, which most browsers outside Linux lack and would replace
// with their default (often a serif); Arial and Helvetica have the same
// metrics, so the text still fits where it was laid out. It labels the
// colour bar, an embedded PNG, as a JPEG. And the colour bar, a 1-pixel-wide
// image, must fill its box: SVG's default preserveAspectRatio keeps the
// image's shape and drew it as a hairline.
var svgFixes = strings.NewReplacer(
	"font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;",
	"data:image/jpg;base64,", "data:image/png;base64,",
	"<image ", `<image preserveAspectRatio="none" `,
)

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
		l, err := barLabels(labels, 11)
		if err != nil {
			return err
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

// drawPlaysPerDay draws the song plays per day (or week) as bars stacked
// by the categories of split.
func drawPlaysPerDay(s Summary, title string, split func(Day) map[string]int64, totals map[string]int64, c draw.Canvas) error {
	ss := timeSlots(s)
	p := newPlot(title, "", "Song plays")
	p.Add(weekendBands{days: ss.weekendDays()}, hGrid())
	bars := &stackedBars{width: 0.8, faded: ss.partial()}
	var legend []legendEntry
	for i, k := range categories(totals) {
		col := categoryColour(k, i)
		vals := ss.values(func(d Day) int64 { return split(d)[k] })
		bars.series = append(bars.series, series{name: k, colour: col, values: vals})
		legend = append(legend, legendEntry{label: categoryLabel(k), thumb: swatch{col}})
	}
	if err := addBars(p, ss, bars); err != nil {
		return err
	}
	// Stacks top to bottom as in the legend, which lists them top first.
	for i, j := 0, len(legend)-1; i < j; i, j = i+1, j-1 {
		legend[i], legend[j] = legend[j], legend[i]
	}
	drawWithLegend(p, c, append(legend, slotEntries(ss, bars)...))
	return nil
}

// addBars adds the bars of a per-day chart to p, with their time and
// count axes and the day counts of partial weeks.
func addBars(p *plot.Plot, ss slots, bars *stackedBars) error {
	p.Add(bars)
	l, err := partialWeekLabels(ss, bars, wideW)
	if err != nil {
		return err
	}
	if l != nil {
		p.Add(l)
	}
	timeAxis(p, ss, wideW)
	countAxis(&p.Y, bars.maxStack(), 1.08)
	return nil
}

func drawSessionsPerDay(s Summary, title string, c draw.Canvas) error {
	ss := timeSlots(s)
	p := newPlot(title, "", "Sessions")
	p.Add(weekendBands{days: ss.weekendDays()}, hGrid())
	vals := ss.values(func(d Day) int64 { return d.Sessions })
	bars := &stackedBars{width: 0.8, faded: ss.partial(), series: []series{{name: "sessions", colour: colBlue, values: vals}}}
	if err := addBars(p, ss, bars); err != nil {
		return err
	}
	drawWithLegend(p, c, append([]legendEntry{{label: "Sessions", thumb: swatch{colBlue}}}, slotEntries(ss, bars)...))
	return nil
}

func drawPaidShare(s Summary, title string, c draw.Canvas) error {
	ss := timeSlots(s)
	p := newPlot(title, "", "Plays by paid users (%)")
	p.Add(weekendBands{days: ss.weekendDays()}, hGrid())

	overall := s.Plays.PaidShare * 100
	overallStyle := draw.LineStyle{Color: colVermilion, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(6), vg.Points(4)}}
	ol, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: overall}, {X: float64(len(ss.list)) - 0.5, Y: overall}})
	if err != nil {
		return err
	}
	ol.LineStyle = overallStyle
	p.Add(ol)

	// One line per run of consecutive slots with plays: a day (or week)
	// without plays has no share, and the line must not pretend otherwise.
	lineStyle := draw.LineStyle{Color: colGreen, Width: vg.Points(2)}
	// Each slot is a dot while there is room for dots; over a long period
	// only a slot between two slots without plays gets one (it has no line).
	var run, points plotter.XYs
	dots := len(ss.list) <= 62
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
	for i, sl := range ss.list {
		share := sl.paidShare()
		if share == nil {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		xy := plotter.XY{X: float64(i), Y: *share * 100}
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
	timeAxis(p, ss, wideW)
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = plot.ConstantTicks{
		{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"},
		{Value: 75, Label: "75"}, {Value: 100, Label: "100"},
	}
	share := "Daily share"
	if ss.weekly {
		share = "Weekly share"
	}
	drawWithLegend(p, c, append([]legendEntry{
		{label: share, thumb: lineSwatch{lineStyle}},
		{label: fmt.Sprintf("Whole period: %s", percent(s.Plays.PaidShare)), thumb: lineSwatch{overallStyle}},
	}, weekendEntry(ss.weekendDays())...))
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

// drawWeekdayHour draws the heat map of the average song plays in each
// hour of each weekday: the totals divided by how many of that weekday the
// period holds, so that a weekday the period holds twice does not look
// twice as busy. Each row is labelled with that count.
func drawWeekdayHour(s Summary, title string, c draw.Canvas) error {
	grid := weekdayGrid(s.PlaysByWeekdayHourAvg)
	maxV := gridMax(grid)
	cm, err := heatColours(maxV)
	if err != nil {
		return err
	}
	hm := plotter.NewHeatMap(grid, cm.Palette(256))
	hm.Min, hm.Max = 0, maxV

	p := newPlot(title, "Hour of day (UTC)", "")
	p.Add(hm, zeroCells(grid), cellBorders{cols: 24, rows: 7})
	if err := addCellLabels(p, grid, cm, maxV); err != nil {
		return err
	}
	p.X.Min, p.X.Max = -0.5, 23.5
	p.Y.Min, p.Y.Max = -0.5, 6.5
	p.X.Tick.Marker = hourTicks()
	wdTicks := make(plot.ConstantTicks, 7)
	for wd := range 7 {
		wdTicks[wd] = plot.Tick{Value: float64(6 - wd), Label: weekdayLabel(wd, s.WeekdayCounts[wd])}
	}
	p.Y.Tick.Marker = wdTicks
	p.Y.Tick.Label.Font.Size = 11

	// The colour scale: a vertical colour bar beside the map, aligned with
	// its data area.
	const barW = 150
	heatC := draw.Crop(c, 0, -pixels(barW), 0, 0)
	p.Draw(heatC)
	data := p.DataCanvas(heatC)
	cbC := c
	cbC.Min.X = c.Max.X - pixels(barW) + pixels(40)
	cbC.Max.X = cbC.Min.X + pixels(90)
	cbC.Min.Y, cbC.Max.Y = data.Min.Y, data.Max.Y
	drawColourBar(cbC, cm, maxV)
	return nil
}

// gridMax is the largest value of the grid, or 1 when all are 0: a flat
// map still needs a colour scale.
func gridMax(grid weekdayGrid) float64 {
	maxV := 0.0
	for _, row := range grid {
		for _, v := range row {
			maxV = math.Max(maxV, v)
		}
	}
	if maxV == 0 {
		return 1
	}
	return maxV
}

// addCellLabels writes each cell's average in it, dark text on light cells
// and light text on dark ones; a weekday the period does not hold (a nil
// row) says so instead.
func addCellLabels(p *plot.Plot, grid weekdayGrid, cm palette.ColorMap, maxV float64) error {
	labels := plotter.XYLabels{}
	var styles []text.Style
	cellStyle := p.X.Tick.Label
	cellStyle.Font.Size = 9
	cellStyle.XAlign, cellStyle.YAlign = draw.XCenter, draw.YCenter
	cellStyle.Color = colText
	for wd, row := range grid {
		if row == nil {
			labels.XYs = append(labels.XYs, plotter.XY{X: 11.5, Y: float64(6 - wd)})
			labels.Labels = append(labels.Labels, fmt.Sprintf("The period holds no %s.", time.Weekday(wd)))
			st := cellStyle
			st.Font.Size = 10
			st.Color = colNote
			styles = append(styles, st)
			continue
		}
		for h, v := range row {
			if v == 0 {
				continue // grey: no plays
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(h), Y: float64(6 - wd)})
			labels.Labels = append(labels.Labels, avgLabel(v, maxV))
			col, err := cm.At(v)
			if err != nil {
				return err
			}
			st := cellStyle
			if luminance(col) < 0.45 {
				st.Color = color.White
			}
			styles = append(styles, st)
		}
	}
	if len(labels.XYs) == 0 {
		return nil
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return err
	}
	l.TextStyle = styles
	p.Add(l)
	return nil
}

// drawColourBar draws the heat map's colour scale, from 0 to maxV, as a
// vertical bar on c.
func drawColourBar(c draw.Canvas, cm palette.ColorMap, maxV float64) {
	cb := newPlot("", "", "Average plays per weekday-hour (grey: none)")
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	cb.HideX()
	cb.Y.Min, cb.Y.Max = 0, maxV
	cb.Y.Tick.Marker = scaleTicks{}
	cb.Draw(c)
}
