package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkPNG fails the test unless data is a PNG of exactly w × h pixels that
// is not blank: at least a few distinct colours, and ink (non-white pixels)
// on more than 2 % of it.
func checkPNG(t *testing.T, name string, data []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: not a PNG: %v", name, err)
		return
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: %d×%d pixels, want %d×%d", name, b.Dx(), b.Dy(), w, h)
	}
	colours, ink := inkAndColours(img)
	if colours < 4 {
		t.Errorf("%s: %d distinct colours; the chart is blank", name, colours)
	}
	if share := float64(ink) / float64(w*h); share < 0.02 {
		t.Errorf("%s: only %.3f of the pixels are not white; the chart is (nearly) blank", name, share)
	}
}

// checkSVG fails the test unless data is an SVG document (XML with an <svg>
// root) of w × h CSS pixels (the width and height attributes are in points,
// 3/4 of a pixel) that draws shapes and text.
func checkSVG(t *testing.T, name string, data []byte, w, h int) {
	t.Helper()
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
		Height  string `xml:"height,attr"`
	}
	if err := xml.Unmarshal(data, &root); err != nil {
		t.Errorf("%s: not XML: %v", name, err)
		return
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("%s: root element %v, want svg", name, root.XMLName)
	}
	wantW, wantH := strconv.Itoa(w*3/4)+"pt", strconv.Itoa(h*3/4)+"pt"
	if root.Width != wantW || root.Height != wantH {
		t.Errorf("%s: %s × %s, want %s × %s", name, root.Width, root.Height, wantW, wantH)
	}
	for _, want := range []string{"<path", "<text", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	if bytes.Contains(data, []byte("font-family:Liberation Sans;")) || bytes.Contains(data, []byte("image/jpg")) {
		t.Errorf("%s: vgsvg's output is not corrected (no fallback font, or a PNG labelled JPEG)", name)
	}
	if n, stretched := bytes.Count(data, []byte("<image ")), bytes.Count(data, []byte(`<image preserveAspectRatio="none" `)); n != stretched {
		t.Errorf("%s: %d of %d embedded images keep their aspect ratio (the colour bar would be a hairline)", name, n-stretched, n)
	}
}

func inkAndColours(img image.Image) (colours, ink int) {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
			seen[c] = true
			if c != (color.RGBA{255, 255, 255, 255}) {
				ink++
			}
		}
	}
	return len(seen), ink
}

// chartVariants are data shapes that have broken charts elsewhere: one day,
// a long period across a year end, a flat weekday × hour grid, one gender
// and one level only, values in the millions; and a weekly sample, and
// heat map averages below one.
func chartVariants() map[string]Data {
	one := smallData()
	one.PlaysByDay = []DayPlays{{Day: date("2018-11-01"), Gender: "F", Level: "paid", Plays: 6}}
	one.LastPlay = time.Date(2018, 11, 1, 23, 0, 0, 0, time.UTC)
	one.PaidPlays = 6

	long := smallData()
	long.PlaysByDay = nil
	long.Plays = 0
	for i := 0; i < 400; i++ {
		long.PlaysByDay = append(long.PlaysByDay, DayPlays{Day: date("2018-11-01").AddDate(0, 0, i), Gender: "M", Level: "free", Plays: int64(1 + i%7)})
		long.Plays += int64(1 + i%7)
	}
	long.LastPlay = date("2018-11-01").AddDate(0, 0, 399)

	flat := smallData()
	flat.PlaysByWeekdayHour = nil
	for wd := 0; wd < 7; wd++ {
		for h := 0; h < 24; h++ {
			flat.PlaysByWeekdayHour = append(flat.PlaysByWeekdayHour, WeekdayHourPlays{Weekday: wd, Hour: h, Plays: 2})
		}
	}

	big := smallData()
	for i := range big.PlaysByDay {
		big.PlaysByDay[i].Plays *= 1_000_000
	}
	big.Plays *= 1_000_000
	big.PaidPlays *= 1_000_000
	for i := range big.PlaysByWeekdayHour {
		big.PlaysByWeekdayHour[i].Plays *= 1_000_000
	}
	for i := range big.UsersByLevelGender {
		big.UsersByLevelGender[i].Users *= 1_000_000
	}
	// Averages below one: 3 plays on a Thursday and a Sunday over 30 days.
	sparse := smallData()
	sparse.LastPlay = date("2018-11-30")

	return map[string]Data{
		"sample month": sampleData(), "sample 100 days": sampleDays(100), "small": smallData(), "one day": one,
		"400 days": long, "flat grid": flat, "millions": big, "sparse": sparse,
	}
}

var renderDir = flag.String("render", "", "write the report of every chart variant into a folder of this one, to look at")

// TestRenderVariants writes the report of each chart variant into
// -render/<variant>, for a human to look at; without -render it is skipped.
func TestRenderVariants(t *testing.T) {
	if *renderDir == "" {
		t.Skip("no -render folder")
	}
	for name, d := range chartVariants() {
		dir := filepath.Join(*renderDir, strings.ReplaceAll(name, " ", "_"))
		if _, _, err := Write(dir, Summarize(d, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("wrote %s", dir)
	}
}

func TestChartsDecodeAtTheirSizeAndAreNotBlank(t *testing.T) {
	for name, d := range chartVariants() {
		t.Run(name, func(t *testing.T) {
			s := Summarize(d, time.Now())
			for _, spec := range chartSpecs {
				png, svg, err := renderChart(s, spec)
				if err != nil {
					t.Errorf("%s: %v", spec.file, err)
					continue
				}
				checkPNG(t, spec.file, png, spec.width, spec.height)
				checkSVG(t, svgFile(spec.file), svg, spec.width, spec.height)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	s, files, err := Write(dir, Summarize(sampleData(), time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	want := append(ChartFiles(), SummaryFile, IndexFile)
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
	if len(s.Charts) != len(chartSpecs) {
		t.Fatalf("summary lists %d charts, want %d", len(s.Charts), len(chartSpecs))
	}
	for i, c := range s.Charts {
		if c.File != chartSpecs[i].file || c.SVG != strings.TrimSuffix(c.File, ".png")+".svg" {
			t.Errorf("chart %d: files %q, %q", i, c.File, c.SVG)
		}
		data, err := os.ReadFile(filepath.Join(dir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		checkPNG(t, c.File, data, c.Width, c.Height)
		data, err = os.ReadFile(filepath.Join(dir, c.SVG))
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, c.SVG, data, c.Width, c.Height)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("folder holds %d entries, want %d (no temporary files left)", len(entries), len(want))
	}

	page := readString(t, filepath.Join(dir, IndexFile))
	for _, c := range s.Charts {
		img := `<img src="` + c.SVG + `" width="` + strconv.Itoa(c.Width) + `" height="` + strconv.Itoa(c.Height) + `" alt="` + c.Title + `">`
		if !strings.Contains(page, img) {
			t.Errorf("index.html lacks %s", img)
		}
	}
	if strings.Contains(page, ".png") {
		t.Error("index.html shows a PNG; the page shows the SVGs")
	}
	for _, want := range []string{
		`id="top-songs"`, `id="top-artists"`, `id="top-users"`, `id="table-rows"`,
		"2018-11-01 00:02:03", "2018-11-30 23:58:01", "30 days (2018-11-01 to 2018-11-30), 29 of them with plays",
		"Generated 2026-03-04 05:06:07 UTC",
		"<td>songplays</td><td class=\"n\">4,735</td>", "<td>artists</td><td class=\"n\">10,025</td>",
		"78.5 %", "Chloe Cuevas", "You&#39;re The One", `href="summary.json"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "NaN"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html contains %q: it must be self-contained and escaped", bad)
		}
	}
}

func TestPageEscapesData(t *testing.T) {
	page, err := RenderPage(Summarize(sampleData(), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"Beyoncé &amp; &#34;Friends&#34;",
		"Mötley Crüe &lt;b&gt;",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("index.html lacks the escaped %q", want)
		}
	}
	if bytes.Contains(page, []byte("<script>")) || bytes.Contains(page, []byte("Crüe <b>")) {
		t.Error("index.html holds unescaped data")
	}
}

func TestWriteEmpty(t *testing.T) {
	dir := t.TempDir()
	// The charts of an earlier report must not survive into an empty one.
	for _, f := range ChartFiles()[:2] {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, files, err := Write(dir, Summarize(Data{}, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{SummaryFile, IndexFile}; !reflect.DeepEqual(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
	if len(s.Charts) != 0 {
		t.Errorf("charts = %v, want none", s.Charts)
	}
	for _, f := range ChartFiles()[:2] {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("stale chart %s still there: %v", f, err)
		}
	}
	page := readString(t, filepath.Join(dir, IndexFile))
	if !strings.Contains(page, "No song plays are loaded yet") {
		t.Errorf("empty page does not say so:\n%s", page)
	}
	for _, bad := range []string{"<img", "NaN", "top-songs"} {
		if strings.Contains(page, bad) {
			t.Errorf("empty page contains %q", bad)
		}
	}
}

func TestIntegerTicks(t *testing.T) {
	tests := []struct {
		max  float64
		want []string
	}{
		{5.4, []string{"0", "1", "2", "3", "4", "5"}},
		{2.3, []string{"0", "1", "2"}},
		{86, []string{"0", "20", "40", "60", "80"}},
		{4_100_000, []string{"0", "1,000,000", "2,000,000", "3,000,000", "4,000,000"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (integerTicks{}).Ticks(0, tt.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ticks(0, %v) = %v, want %v", tt.max, got, tt.want)
		}
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCellLabel(t *testing.T) {
	tests := []struct {
		v    int64
		max  float64
		want string
	}{
		{0, 76, "0"}, {5928, 9999, "5,928"}, {999, 20000, "999"}, {12345, 20000, "12.3k"},
		{20000, 20000, "20k"}, {3_000_000, 3e6, "3M"}, {1_250_000, 3e6, "1.2M"},
	}
	for _, tt := range tests {
		if got := cellLabel(tt.v, tt.max); got != tt.want {
			t.Errorf("cellLabel(%d, %v) = %q, want %q", tt.v, tt.max, got, tt.want)
		}
	}
}

// BenchmarkWrite measures rendering a month's report: 8 charts as PNG and
// SVG, the page and summary.json.
func BenchmarkWrite(b *testing.B) {
	s := Summarize(sampleData(), time.Now())
	dir := b.TempDir()
	for b.Loop() {
		if _, _, err := Write(dir, s); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVisible(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Sigur Rós", "Sigur Rós"},
		{"JosÃ© GonzÃ¡lez", "JosÃ© GonzÃ¡lez"},
		{"evil\u202Egnp.exe", `evil\u202Egnp.exe`},
		{"a\u2066b\u2069", `a\u2066b\u2069`},
		{"tab\there\x00", `tab\u0009here\u0000`},
		{"rtl mark\u200F", `rtl mark\u200F`},
	} {
		if got := visible(tt.in); got != tt.want {
			t.Errorf("visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPageShowsHiddenCharacters: a name with a bidirectional override or a
// control character reaches the page written out, never raw.
func TestPageShowsHiddenCharacters(t *testing.T) {
	d := sampleData()
	d.TopSongs[0].Title = "evil\u202Egnp.exe"
	d.TopArtists[0].Name = "Dwight\x1bYoakam"
	d.TopUsers[0].FirstName = "Chlo\u2066e"
	dir := t.TempDir()
	if _, _, err := Write(dir, Summarize(d, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"\u202E", "\x1b", "\u2066"} {
		if strings.Contains(string(page), raw) {
			t.Errorf("the page holds %q raw", raw)
		}
	}
	for _, shown := range []string{`evil\u202Egnp.exe`, `Dwight\u001BYoakam`, `Chlo\u2066e`} {
		if !strings.Contains(string(page), shown) {
			t.Errorf("the page does not show %s", shown)
		}
	}
}
