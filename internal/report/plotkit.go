package report

// The plotting kit the charts are drawn with: units, palette and common
// styling, axes and ticks, stacked bars, weekend bands, legends and the
// cells of the weekday × hour heat map.

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DPI is the resolution the charts are drawn at: font sizes are in points,
// chart sizes in pixels (at 96 DPI a 10 pt label is about 13 px tall).
const DPI = 96

// pixels converts a size in pixels at DPI to a vg.Length.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / DPI }

// Colours: the Okabe-Ito palette, which colour-blind readers can tell apart.
var (
	colBlue      = rgb(0x00, 0x72, 0xB2)
	colOrange    = rgb(0xE6, 0x9F, 0x00)
	colSky       = rgb(0x56, 0xB4, 0xE9)
	colGreen     = rgb(0x00, 0x9E, 0x73)
	colVermilion = rgb(0xD5, 0x5E, 0x00)
	colPurple    = rgb(0xCC, 0x79, 0xA7)
	colYellow    = rgb(0xF0, 0xE4, 0x42)
	colGrey      = rgb(0x99, 0x99, 0x99)
	colText      = rgb(0x22, 0x22, 0x22)
	colNote      = rgb(0x66, 0x66, 0x66) // text that explains an absence
	colGrid      = rgb(0xDD, 0xDD, 0xDD)
	colWeekend   = rgb(0xF1, 0xF1, 0xF1)
	colNoPlays   = rgb(0xF6, 0xF6, 0xF6)
	extraColours = []color.Color{colPurple, colVermilion, colYellow, colSky, colGreen}
)

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 255} }

// categoryColour is the colour of a gender or level; values other than the
// Sparkify ones get the remaining colours in turn (i is the value's
// position among the unknown ones).
func categoryColour(v string, i int) color.Color {
	switch v {
	case "F":
		return colOrange
	case "M":
		return colBlue
	case "free":
		return colSky
	case "paid":
		return colGreen
	case Unknown:
		return colGrey
	}
	return extraColours[i%len(extraColours)]
}

// categoryLabel is how a gender or level is written on charts and the page.
func categoryLabel(v string) string {
	switch v {
	case "F":
		return "Female"
	case "M":
		return "Male"
	case "free":
		return "Free"
	case "paid":
		return "Paid"
	case Unknown:
		return "Unknown"
	}
	return v
}

// newPlot returns a plot with the report's common style: title, axis labels,
// fonts and a light horizontal grid.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansBold, 14)
	p.Title.TextStyle.Color = colText
	p.Title.Padding = pixels(12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Label.TextStyle.Color = colText
		a.Tick.Label.Font = font.From(sans, 10)
		a.Tick.Label.Color = colText
		a.Color = colGrey
		a.Tick.Color = colGrey
		a.Padding = 0
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Y.Label.Padding = pixels(6)
	p.X.Label.Padding = pixels(4)
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.TextStyle.Color = colText
	return p
}

// The charts' typeface: Liberation Sans, which gonum/plot embeds, so no
// system font is needed.
var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
)

// hGrid draws horizontal grid lines at the major Y ticks.
func hGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal = draw.LineStyle{Color: colGrid, Width: vg.Points(0.75)}
	return g
}

// luminance is the relative luminance of c, 0 (black) to 1 (white).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

// integerTicks are the ticks of a count axis: whole numbers at a step of
// 1, 2 or 5 times a power of ten, chosen for four to eight labels, with
// thousands separators, and unlabelled minor ticks between them.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	span := max - min
	if span <= 0 {
		return []plot.Tick{{Value: min, Label: groupThousands(int64(min))}}
	}
	step := 1.0
	for mult := 1.0; ; mult *= 10 {
		found := false
		for _, f := range []float64{1, 2, 5} {
			if span/(f*mult) <= 8 {
				step, found = f*mult, true
				break
			}
		}
		if found {
			break
		}
	}
	minor := step / 5
	if step == 1 || step == 2 && minor < 1 {
		minor = 1
	}
	var out []plot.Tick
	for v := math.Ceil(min/minor) * minor; v <= max; v += minor {
		v = math.Round(v/minor) * minor
		t := plot.Tick{Value: v}
		if math.Mod(v, step) == 0 {
			t.Label = groupThousands(int64(v))
		} else if minor == step {
			continue
		}
		out = append(out, t)
	}
	return out
}

// groupThousands formats n with commas between groups of three digits.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, r := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, r)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// percent formats a share as a percentage with one decimal.
func percent(share float64) string {
	return strconv.FormatFloat(share*100, 'f', 1, 64) + " %"
}

// countAxis sets a count axis from 0 to a little above max, so that the
// tallest bar never touches the top of the chart.
func countAxis(a *plot.Axis, max float64, headroom float64) {
	a.Min = 0
	if max <= 0 {
		max = 1
	}
	a.Max = max * headroom
	a.Tick.Marker = integerTicks{}
}

// timeAxis sets up the X axis of a per-day chart: a tick on every slot
// (when there is room), a label on every n-th slot, rotated so that labels
// never overlap. Daily labels at weekly steps fall on Mondays; a week is
// labelled with its first day in the period.
func timeAxis(p *plot.Plot, ss slots, widthPx int) {
	days := ss.starts()
	n := len(days)
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.X.Label.Text = "Day (UTC)"
	steps := []int{1, 2, 7, 14, 28, 56, 91, 182, 364}
	if ss.weekly {
		p.X.Label.Text = "Week, Monday to Sunday (UTC)"
		steps = []int{1, 2, 4, 8, 13, 26, 52}
	}
	sameYear := n > 0 && days[0].Year() == days[n-1].Year()
	layout := "2006-01-02"
	if sameYear {
		layout = "Jan 02"
		p.X.Label.Text += fmt.Sprintf(", %d", days[0].Year())
	}
	// Roughly the width of the data area; a rotated label needs about 22
	// pixels of it.
	perSlot := float64(widthPx-170) / math.Max(float64(n), 1)
	step := steps[len(steps)-1]
	for _, s := range steps {
		if perSlot*float64(s) >= 22 {
			step = s
			break
		}
	}
	for perSlot*float64(step) < 22 {
		step *= 2
	}
	ticks := make([]plot.Tick, 0, n)
	anchor := 0
	if !ss.weekly && step%7 == 0 {
		for anchor < n && days[anchor].Weekday() != time.Monday {
			anchor++
		}
	}
	for i, d := range days {
		t := plot.Tick{Value: float64(i)}
		if i >= anchor && (i-anchor)%step == 0 {
			t.Label = d.Format(layout)
		} else if perSlot < 3 {
			continue // too dense for minor ticks
		}
		ticks = append(ticks, t)
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
}

func hourTicks() plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, 24)
	for h := range ticks {
		ticks[h] = plot.Tick{Value: float64(h), Label: fmt.Sprintf("%02d", h)}
	}
	return ticks
}

// rect returns the corners of the rectangle from (x0, y0) to (x1, y1), in
// the order every filled rectangle of the charts is drawn.
func rect(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
}

// maxBarPx is the widest a bar is drawn, in pixels.
const maxBarPx = 90

// series is one named, coloured row of values, one per slot (day, hour, or
// category).
type series struct {
	name   string
	colour color.Color
	values []float64
}

// stackedBars draws the series as bars stacked on each other, one bar per
// slot at X = slot index. Bar widths are in data units, so they scale with
// the number of slots.
type stackedBars struct {
	series []series
	width  float64 // fraction of a slot
	// faded marks the slots drawn in paler colours: the partial weeks of a
	// weekly chart, whose totals cover fewer days. Nil: none.
	faded []bool
}

func (b *stackedBars) slots() int {
	if len(b.series) == 0 {
		return 0
	}
	return len(b.series[0].values)
}

// Plot implements plot.Plotter.
func (b *stackedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := 0; i < b.slots(); i++ {
		base := 0.0
		x0, x1 := trX(float64(i)-b.width/2), trX(float64(i)+b.width/2)
		if x1-x0 < pixels(1) { // keep very thin bars visible
			x1 = x0 + pixels(1)
		}
		if w := x1 - x0; w > pixels(maxBarPx) { // few slots: no slabs
			x0, x1 = x0+(w-pixels(maxBarPx))/2, x1-(w-pixels(maxBarPx))/2
		}
		for _, s := range b.series {
			v := s.values[i]
			if v <= 0 {
				continue
			}
			col := s.colour
			if b.faded != nil && b.faded[i] {
				col = fade(col)
			}
			y0, y1 := trY(base), trY(base+v)
			c.FillPolygon(col, c.ClipPolygonXY(rect(x0, y0, x1, y1)))
			base += v
		}
	}
}

// DataRange implements plot.DataRanger.
func (b *stackedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(b.slots()) - 0.5, 0, b.maxStack()
}

// anyFaded tells whether any slot is drawn faded.
func (b *stackedBars) anyFaded() bool {
	for _, f := range b.faded {
		if f {
			return true
		}
	}
	return false
}

func (b *stackedBars) maxStack() float64 {
	m := 0.0
	for i := 0; i < b.slots(); i++ {
		m = math.Max(m, b.stack(i))
	}
	return m
}

// stack is the height of the bar of slot i.
func (b *stackedBars) stack(i int) float64 {
	sum := 0.0
	for _, s := range b.series {
		sum += s.values[i]
	}
	return sum
}

// barLabels writes each label centred just above its point: a figure on
// top of a bar.
func barLabels(xy plotter.XYLabels, size font.Length) (*plotter.Labels, error) {
	l, err := plotter.NewLabels(xy)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].Font = font.From(sans, size)
		l.TextStyle[i].Color = colText
	}
	l.Offset = vg.Point{Y: pixels(4)}
	return l, nil
}

// weekendBands shades the Saturdays and Sundays of a per-day chart, so that
// the weekly rhythm is visible.
type weekendBands struct{ days []time.Time }

// Plot implements plot.Plotter.
func (w weekendBands) Plot(c draw.Canvas, p *plot.Plot) {
	if !showWeekends(w.days) {
		return
	}
	trX, _ := p.Transforms(&c)
	isWeekend := func(i int) bool {
		wd := w.days[i].Weekday()
		return wd == time.Saturday || wd == time.Sunday
	}
	// One band per run of weekend days: adjacent bands would show a seam.
	for i := 0; i < len(w.days); i++ {
		if !isWeekend(i) {
			continue
		}
		j := i
		for j+1 < len(w.days) && isWeekend(j+1) {
			j++
		}
		x0, x1 := trX(float64(i)-0.5), trX(float64(j)+0.5)
		c.FillPolygon(colWeekend, c.ClipPolygonXY(rect(x0, c.Min.Y, x1, c.Max.Y)))
		i = j
	}
}

// showWeekends tells whether a per-day chart shades its weekends: over
// more than about half a year the bands would only make a grey texture.
func showWeekends(days []time.Time) bool { return len(days) <= 190 }

// weekendEntry is the legend entry of the weekend bands, when the days
// include a weekend.
func weekendEntry(days []time.Time) []legendEntry {
	if !showWeekends(days) {
		return nil
	}
	for _, d := range days {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return []legendEntry{{label: "Weekend", thumb: swatch{colWeekend}}}
		}
	}
	return nil
}

// slotEntries are the legend entries that explain the slots of a per-day
// chart drawn with bars: the weekend bands of a daily chart, the paler
// partial weeks of a weekly one.
func slotEntries(ss slots, bars *stackedBars) []legendEntry {
	if !bars.anyFaded() {
		return weekendEntry(ss.weekendDays())
	}
	cols := make([]color.Color, len(bars.series))
	for i, s := range bars.series {
		cols[i] = fade(s.colour)
	}
	return []legendEntry{{label: "Partial week", thumb: stripes(cols)}}
}

// partialWeekLabels puts the number of days over the bar of each partial
// week, when the bars are wide enough for it (the legend explains the
// paler bars either way). It returns nil when there is nothing to add.
func partialWeekLabels(ss slots, bars *stackedBars, widthPx int) (*plotter.Labels, error) {
	if !bars.anyFaded() || float64(widthPx-170)/float64(len(ss.list)) < 45 {
		return nil, nil
	}
	xy := plotter.XYLabels{}
	for i, sl := range ss.list {
		if !bars.faded[i] {
			continue
		}
		xy.XYs = append(xy.XYs, plotter.XY{X: float64(i), Y: bars.stack(i)})
		label := fmt.Sprintf("%d days", len(sl.days))
		if len(sl.days) == 1 {
			label = "1 day"
		}
		xy.Labels = append(xy.Labels, label)
	}
	return barLabels(xy, 9)
}

// fade returns c mixed half with white: the colour of a partial week.
func fade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8((v>>8 + 255) / 2) }
	return rgb(mix(r), mix(g), mix(b))
}

// stripes is a legend thumbnail: a square of vertical stripes, one per
// colour.
type stripes []color.Color

// Thumbnail implements plot.Thumbnailer.
func (s stripes) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	x0 := c.Min.X + (c.Max.X-c.Min.X-h)/2
	w := h / vg.Length(len(s))
	for i, col := range s {
		c.FillPolygon(col, rect(x0+vg.Length(i)*w, c.Min.Y, x0+vg.Length(i+1)*w, c.Max.Y))
	}
}

// swatch is a legend thumbnail: a filled square of one colour.
type swatch struct{ colour color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	x0 := c.Min.X + (c.Max.X-c.Min.X-h)/2
	pts := rect(x0, c.Min.Y, x0+h, c.Max.Y)
	c.FillPolygon(s.colour, pts)
	if luminance(s.colour) > 0.85 { // outline pale swatches against the white page
		c.StrokeLines(draw.LineStyle{Color: colGrey, Width: vg.Points(0.5)}, append(pts, pts[0]))
	}
}

// lineSwatch is a legend thumbnail: a line of the given style.
type lineSwatch struct{ style draw.LineStyle }

// Thumbnail implements plot.Thumbnailer.
func (l lineSwatch) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// legendEntry is one entry of a legend drawn beside a chart.
type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// drawWithLegend draws p into c with the legend entries in a column on the
// right, outside the data area, so that the legend never hides data.
func drawWithLegend(p *plot.Plot, c draw.Canvas, entries []legendEntry) {
	if len(entries) == 0 {
		p.Draw(c)
		return
	}
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 10)
	l.TextStyle.Color = colText
	l.Top, l.Left = true, true
	l.ThumbnailWidth = pixels(14)
	l.Padding = pixels(4)
	for _, e := range entries {
		l.Add(e.label, e.thumb)
	}
	r := l.Rectangle(c)
	legendW := r.Max.X - r.Min.X + pixels(16)
	p.Draw(draw.Crop(c, 0, -legendW, 0, 0))
	data := p.DataCanvas(draw.Crop(c, 0, -legendW, 0, 0))
	lc := c
	lc.Min.X = c.Max.X - legendW + pixels(12)
	lc.Max.Y = data.Max.Y
	l.Draw(lc)
}

// weekdayNames are the row labels of the weekday × hour grid.
var weekdayNames = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// weekdayGrid is the weekday × hour grid of averages as a plotter.GridXYZ:
// column = hour, row 0 at the bottom = Saturday, so that Sunday is the top
// row. A nil row is a weekday the period does not hold; its cells are NaN,
// which the heat map leaves blank.
type weekdayGrid [][]float64

func (g weekdayGrid) Dims() (c, r int) { return 24, 7 }
func (g weekdayGrid) X(c int) float64  { return float64(c) }
func (g weekdayGrid) Y(r int) float64  { return float64(r) }
func (g weekdayGrid) Z(c, r int) float64 {
	if g[6-r] == nil {
		return math.NaN()
	}
	return g[6-r][c]
}

// weekdayLabel is the row label of a weekday of the heat map, with how many
// of it the period holds: "Thu (2 days)".
func weekdayLabel(wd, count int) string {
	unit := "days"
	if count == 1 {
		unit = "day"
	}
	return fmt.Sprintf("%s (%d %s)", weekdayNames[wd], count, unit)
}

// heatColours is the sequential colour map of the heat map: light yellow
// (few plays) to dark blue (many), from ColorBrewer's YlGnBu.
func heatColours(max float64) (palette.ColorMap, error) {
	p, err := brewer.GetPalette(brewer.TypeSequential, "YlGnBu", 9)
	if err != nil {
		return nil, err
	}
	// NewLuminance wants the colours from dark to light; reversing the map
	// then puts the light colour at 0.
	cols := p.Colors()
	dark := make([]color.Color, len(cols))
	for i, c := range cols {
		dark[len(cols)-1-i] = c
	}
	lum, err := moreland.NewLuminance(dark)
	if err != nil {
		return nil, err
	}
	cm := palette.Reverse(lum)
	cm.SetMin(0)
	cm.SetMax(max)
	return cm, nil
}

// zeroCells paints the cells of the grid without plays light grey, so that
// "no plays" stands apart from "a few"; the rows of weekdays the period does
// not hold stay white.
type zeroCells weekdayGrid

// Plot implements plot.Plotter.
func (z zeroCells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	g := weekdayGrid(z)
	cols, rows := g.Dims()
	for col := 0; col < cols; col++ {
		for row := 0; row < rows; row++ {
			if g.Z(col, row) != 0 {
				continue
			}
			x, y := g.X(col), g.Y(row)
			c.FillPolygon(colNoPlays, c.ClipPolygonXY(rect(trX(x-0.5), trY(y-0.5), trX(x+0.5), trY(y+0.5))))
		}
	}
}

// cellBorders draws thin white lines between the cells of a grid, so that
// the cells read as tiles (and the seams of anti-aliasing disappear).
type cellBorders struct{ cols, rows int }

// Plot implements plot.Plotter.
func (b cellBorders) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.White, Width: pixels(2)}
	for col := 0; col <= b.cols; col++ {
		x := trX(float64(col) - 0.5)
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
	for row := 0; row <= b.rows; row++ {
		y := trY(float64(row) - 0.5)
		c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	}
}

// avgLabel is the average shown in a heat map cell, sized to fit it: one
// decimal below 100, whole numbers above, shortened from 10,000 (12.3k);
// a cell with plays never reads 0 ("<0.1", "<1"). The exact averages are in
// summary.json.
func avgLabel(v, max float64) string {
	switch {
	case max >= 100 && v < 0.5:
		return "<1"
	case max >= 100:
		return cellLabel(int64(math.Round(v)), max)
	case v < 0.05:
		return "<0.1"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// scaleTicks are the ticks of the heat map's colour scale, labelled like its
// cells: whole numbers (see integerTicks) from 5 up, decimals below.
type scaleTicks struct{}

func (scaleTicks) Ticks(min, max float64) []plot.Tick {
	if max < 5 {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	ticks := integerTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = cellLabel(int64(ticks[i].Value), max)
		}
	}
	return ticks
}

// cellLabel is a whole number as a heat map cell or its scale shows it:
// exact up to 9,999 and shortened beyond (12.3k, 4.5M), so that it fits a
// cell.
func cellLabel(v int64, max float64) string {
	switch {
	case max < 10_000:
		return groupThousands(v)
	case v < 1_000:
		return strconv.FormatInt(v, 10)
	case v < 1_000_000:
		return shortFloat(float64(v)/1e3) + "k"
	default:
		return shortFloat(float64(v)/1e6) + "M"
	}
}

// shortFloat formats f with one decimal, without a trailing ".0".
func shortFloat(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0")
}
