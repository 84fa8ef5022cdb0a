package redshiftemu

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonKind is the kind of a parsed JSON value.
type jsonKind byte

const (
	jNull jsonKind = iota
	jBool
	jNumber
	jString
	jObject
	jArray
)

// jsonValue is a parsed JSON value. Strings keep their decoded bytes
// exactly, including invalid UTF-8 (Go's encoding/json would replace those
// with U+FFFD, and the emulator must see them to apply ACCEPTINVCHARS).
type jsonValue struct {
	kind   jsonKind
	text   string // string bytes, number text, "true"/"false"
	raw    string // the value's source text
	keys   []string
	vals   []*jsonValue
	hasNUL bool // a string that contains \u0000
}

// get returns the member named key (the last one if repeated).
func (v *jsonValue) get(key string, ignoreCase bool) (*jsonValue, bool) {
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == key || (ignoreCase && strings.EqualFold(v.keys[i], key)) {
			return v.vals[i], true
		}
	}
	return nil, false
}

// jsonRecord is one top-level JSON value of a source file.
type jsonRecord struct {
	Value     *jsonValue // nil when Err is set
	StartLine int        // 1-based line where the value starts
	EndLine   int        // 1-based line where it ends (or where parsing failed)
	Raw       string     // the record's text (up to the failure for an error)
	Err       string     // parse error
}

type jsonParser struct {
	src  string
	pos  int
	line int
}

type jsonSyntaxError struct{ msg string }

func (e *jsonSyntaxError) Error() string { return e.msg }

func (p *jsonParser) fail(format string, args ...any) {
	panic(&jsonSyntaxError{fmt.Sprintf(format, args...)})
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\n':
			p.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		p.pos++
	}
}

// splitJSONRecords parses the concatenated JSON values of a file: objects
// one after another, separated by any whitespace, one object possibly
// spanning lines. A syntax error ends the file: the returned slice then ends
// with a record whose Err is set.
func splitJSONRecords(data string) []jsonRecord {
	p := &jsonParser{src: data, line: 1}
	var out []jsonRecord
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			return out
		}
		start, startLine := p.pos, p.line
		v, err := p.parseTop()
		rec := jsonRecord{StartLine: startLine, EndLine: p.line}
		if err != nil {
			end := min(len(p.src), p.pos+1)
			if nl := strings.IndexByte(p.src[start:], '\n'); nl >= 0 && start+nl > end {
				end = start + nl
			}
			rec.Raw = p.src[start:end]
			rec.Err = err.Error()
			out = append(out, rec)
			return out
		}
		rec.Value = v
		rec.Raw = p.src[start:p.pos]
		out = append(out, rec)
	}
}

func (p *jsonParser) parseTop() (v *jsonValue, err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*jsonSyntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	return p.parseValue(0), nil
}

func (p *jsonParser) parseValue(depth int) *jsonValue {
	if depth > 512 {
		p.fail("JSON nested too deeply")
	}
	p.skipSpace()
	if p.pos >= len(p.src) {
		p.fail("unexpected end of input")
	}
	start := p.pos
	c := p.src[p.pos]
	var v *jsonValue
	switch {
	case c == '{':
		p.pos++
		v = &jsonValue{kind: jObject}
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			break
		}
		for {
			p.skipSpace()
			if p.pos >= len(p.src) || p.src[p.pos] != '"' {
				p.fail("expected a string key at offset %d", p.pos)
			}
			k, _ := p.parseString()
			p.skipSpace()
			if p.pos >= len(p.src) || p.src[p.pos] != ':' {
				p.fail("expected ':' at offset %d", p.pos)
			}
			p.pos++
			val := p.parseValue(depth + 1)
			v.keys = append(v.keys, k)
			v.vals = append(v.vals, val)
			p.skipSpace()
			if p.pos < len(p.src) && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.src) && p.src[p.pos] == '}' {
				p.pos++
				break
			}
			p.fail("expected ',' or '}' at offset %d", p.pos)
		}
	case c == '[':
		p.pos++
		v = &jsonValue{kind: jArray}
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			break
		}
		for {
			v.vals = append(v.vals, p.parseValue(depth+1))
			p.skipSpace()
			if p.pos < len(p.src) && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.src) && p.src[p.pos] == ']' {
				p.pos++
				break
			}
			p.fail("expected ',' or ']' at offset %d", p.pos)
		}
	case c == '"':
		s, nul := p.parseString()
		v = &jsonValue{kind: jString, text: s, hasNUL: nul}
	case c == '-' || isDigit(c):
		v = &jsonValue{kind: jNumber, text: p.parseNumber()}
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		v = &jsonValue{kind: jBool, text: "true"}
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		v = &jsonValue{kind: jBool, text: "false"}
	case strings.HasPrefix(p.src[p.pos:], "null"):
		p.pos += 4
		v = &jsonValue{kind: jNull}
	default:
		p.fail("invalid character %q at offset %d", c, p.pos)
	}
	v.raw = p.src[start:p.pos]
	return v
}

func (p *jsonParser) parseNumber() string {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
			n++
		}
		return n
	}
	if p.pos < len(p.src) && p.src[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		p.fail("invalid number at offset %d", start)
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			p.fail("invalid number at offset %d", start)
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			p.fail("invalid number at offset %d", start)
		}
	}
	return p.src[start:p.pos]
}

func hexVal(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:4], 16, 32)
	return rune(n), err == nil
}

// parseString parses a JSON string at p.pos (the opening quote). Invalid
// UTF-8 bytes are kept as they are.
func (p *jsonParser) parseString() (string, bool) {
	p.pos++
	var b strings.Builder
	nul := false
	for {
		if p.pos >= len(p.src) {
			p.fail("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nul
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				p.fail("unterminated string")
			}
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := hexVal(p.src[p.pos:])
				if !ok {
					p.fail("invalid \\u escape at offset %d", p.pos)
				}
				p.pos += 4
				if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(p.src[p.pos:], "\\u") {
					if r2, ok := hexVal(p.src[p.pos+2:]); ok && r2 >= 0xDC00 && r2 < 0xE000 {
						r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
						p.pos += 6
					}
				}
				if r == 0 {
					nul = true
				}
				if r >= 0xD800 && r < 0xE000 {
					r = utf8.RuneError
				}
				b.WriteRune(r)
			default:
				p.fail("invalid escape \\%c at offset %d", e, p.pos-1)
			}
		case c < 0x20:
			if c == '\n' {
				p.line++
			}
			p.fail("control character in string at offset %d", p.pos)
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

// jsonPath is one parsed JSONPath expression of a jsonpaths file: a list of
// steps, each a member name or an array index.
type jsonPath struct {
	expr  string
	steps []pathStep
}

type pathStep struct {
	key   string
	index int
	isIdx bool
}

// parseJSONPathsFile reads a jsonpaths file
// (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html#copy-json-jsonpaths):
// {"jsonpaths": ["$['a']", "$.b", ...]}.
func parseJSONPathsFile(data string) ([]jsonPath, error) {
	recs := splitJSONRecords(data)
	if len(recs) != 1 || recs[0].Err != "" || recs[0].Value.kind != jObject {
		return nil, fmt.Errorf("Invalid JSONPath format: the jsonpaths file must hold one JSON object")
	}
	arr, ok := recs[0].Value.get("jsonpaths", false)
	if !ok || arr.kind != jArray {
		return nil, fmt.Errorf("Invalid JSONPath format: the jsonpaths file has no \"jsonpaths\" array")
	}
	var out []jsonPath
	for _, e := range arr.vals {
		if e.kind != jString {
			return nil, fmt.Errorf("Invalid JSONPath format: %s is not a string", e.raw)
		}
		p, err := parseJSONPath(e.text)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// parseJSONPath parses $.a.b, $['a'], $["a"], $.a[0].
func parseJSONPath(expr string) (jsonPath, error) {
	bad := func(why string) (jsonPath, error) {
		return jsonPath{}, fmt.Errorf("Invalid JSONPath format: %s: %s", why, expr)
	}
	if !strings.HasPrefix(expr, "$") {
		return bad("must start with $")
	}
	p := jsonPath{expr: expr}
	i := 1
	for i < len(expr) {
		switch expr[i] {
		case '.':
			j := i + 1
			for j < len(expr) && expr[j] != '.' && expr[j] != '[' {
				j++
			}
			if j == i+1 {
				return bad("empty member name")
			}
			p.steps = append(p.steps, pathStep{key: expr[i+1 : j]})
			i = j
		case '[':
			if i+1 < len(expr) && (expr[i+1] == '\'' || expr[i+1] == '"') {
				q := expr[i+1]
				j := strings.IndexByte(expr[i+2:], q)
				if j < 0 || i+2+j+1 >= len(expr) || expr[i+2+j+1] != ']' {
					return bad("unterminated bracket")
				}
				p.steps = append(p.steps, pathStep{key: expr[i+2 : i+2+j]})
				i = i + 2 + j + 2
				continue
			}
			j := strings.IndexByte(expr[i:], ']')
			if j < 0 {
				return bad("unterminated bracket")
			}
			n, err := strconv.Atoi(expr[i+1 : i+j])
			if err != nil || n < 0 {
				return bad("array index must be a non-negative integer")
			}
			p.steps = append(p.steps, pathStep{index: n, isIdx: true})
			i += j + 1
		default:
			return bad("unexpected character")
		}
	}
	if len(p.steps) == 0 {
		return bad("no element")
	}
	return p, nil
}

// eval returns the value the path selects, or nil when it selects nothing
// (loaded as NULL, copy-parameters-data-format.html).
func (p jsonPath) eval(v *jsonValue) *jsonValue {
	for _, s := range p.steps {
		switch {
		case s.isIdx:
			if v.kind != jArray || s.index >= len(v.vals) {
				return nil
			}
			v = v.vals[s.index]
		default:
			if v.kind != jObject {
				return nil
			}
			nv, ok := v.get(s.key, false)
			if !ok {
				return nil
			}
			v = nv
		}
	}
	return v
}
