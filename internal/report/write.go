package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/sparkify/warehouse/internal/atomicfile"
)

// Files of the report besides the charts.
const (
	IndexFile   = "index.html"
	SummaryFile = "summary.json"
)

//go:embed page.html.tmpl
var pageSource string

var page = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"num":   groupThousands,
	"pct":   percent,
	"label": categoryLabel,
	"text":  visible,
	"change": func(r *float64) string {
		if r == nil {
			return "— (none before)"
		}
		return signed(*r*100, 1) + " %"
	},
	"points": func(r *float64) string {
		if r == nil {
			return "—"
		}
		return signed(*r*100, 1) + " points"
	},
	"isUserChart": func(file string) bool {
		return strings.HasPrefix(file, "users_")
	},
}).Parse(pageSource))

// signed formats v with the given decimals and its sign: "+12.5", "-3.0",
// "0.0".
func signed(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if v > 0 && strings.Trim(s, "0.") != "" {
		return "+" + s
	}
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

// visible returns s with the characters that would change how the page
// shows the text around them written out as \uXXXX: control characters,
// and the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069, which can make a name read backwards or reorder a row)
// and marks (U+200E, U+200F, U+061C). The data keeps them byte for byte
// (summary.json); the page shows that they are there.
func visible(s string) string {
	clean := true
	for _, r := range s {
		if hidden(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "\\u%04X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hidden(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200E || r == 0x200F || r == 0x061C
}

// Write renders the report of s into dir (created if needed): the charts,
// each as PNG and SVG (none when s.Empty), summary.json and index.html. It returns the summary
// with its Charts filled in and the names of the files written, relative to
// dir, index.html last. An empty report removes the chart files of an
// earlier one, so the folder never shows stale charts; any other report
// draws every chart again over them.
func Write(dir string, s Summary) (Summary, []string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, nil, fmt.Errorf("create report folder: %w", err)
	}
	s.Charts = []Chart{}
	var files []string
	for _, spec := range chartSpecs {
		svg := svgFile(spec.file)
		if s.Empty {
			for _, f := range []string{spec.file, svg} {
				if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return s, nil, fmt.Errorf("remove stale chart: %w", err)
				}
			}
			continue
		}
		pngData, svgData, err := renderChart(s, spec)
		if err != nil {
			return s, nil, err
		}
		if err := writeFile(dir, spec.file, pngData); err != nil {
			return s, nil, err
		}
		if err := writeFile(dir, svg, svgData); err != nil {
			return s, nil, err
		}
		s.Charts = append(s.Charts, Chart{File: spec.file, SVG: svg, Title: spec.titleFor(s), Width: spec.width, Height: spec.height})
		files = append(files, spec.file, svg)
	}

	js, err := MarshalSummary(s)
	if err != nil {
		return s, nil, err
	}
	if err := writeFile(dir, SummaryFile, js); err != nil {
		return s, nil, err
	}
	files = append(files, SummaryFile)

	html, err := RenderPage(s)
	if err != nil {
		return s, nil, err
	}
	if err := writeFile(dir, IndexFile, html); err != nil {
		return s, nil, err
	}
	files = append(files, IndexFile)
	return s, files, nil
}

// MarshalSummary encodes s as summary.json: indented, keys in a fixed order
// (struct fields in declaration order, map keys sorted), text as UTF-8.
func MarshalSummary(s Summary) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encode %s: %w", SummaryFile, err)
	}
	return buf.Bytes(), nil
}

// RenderPage renders index.html for s. Every value that comes from the data
// is HTML-escaped.
func RenderPage(s Summary) ([]byte, error) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, s); err != nil {
		return nil, fmt.Errorf("render %s: %w", IndexFile, err)
	}
	return buf.Bytes(), nil
}

// writeFile writes name in dir atomically, so that a reader never sees a
// half-written file.
func writeFile(dir, name string, data []byte) error {
	if err := atomicfile.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
