package redshiftemu

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// colKind groups Postgres column types by the conversion COPY applies.
type colKind int

const (
	kChar colKind = iota
	kInt2
	kInt4
	kInt8
	kFloat4
	kFloat8
	kNumeric
	kBool
	kTimestamp
	kTimestampTZ
	kDate
	kOther
)

// Column is a target column of a COPY, as read from the catalog of the
// client's own session.
type Column struct {
	Name       string
	TypeName   string // pg_type.typname: varchar, int4, ...
	Format     string // format_type(): character varying(20)
	Kind       colKind
	Length     int // byte limit of a character column, 0 = none
	Precision  int // numeric(p,s)
	Scale      int
	NotNull    bool
	HasDefault bool
	Identity   bool
}

var typmodArgs = regexp.MustCompile(`\((\d+)(?:,(\d+))?\)`)

// newColumn classifies a column from its typname and format_type().
func newColumn(name, typname, format string, notNull, hasDefault, identity bool) Column {
	c := Column{Name: name, TypeName: typname, Format: format, NotNull: notNull, HasDefault: hasDefault, Identity: identity}
	m := typmodArgs.FindStringSubmatch(format)
	switch typname {
	case "varchar", "bpchar", "text", "name":
		c.Kind = kChar
		if m != nil {
			c.Length, _ = strconv.Atoi(m[1])
		}
	case "int2":
		c.Kind = kInt2
	case "int4":
		c.Kind = kInt4
	case "int8":
		c.Kind = kInt8
	case "float4":
		c.Kind = kFloat4
	case "float8":
		c.Kind = kFloat8
	case "numeric":
		c.Kind = kNumeric
		if m != nil {
			c.Precision, _ = strconv.Atoi(m[1])
			if m[2] != "" {
				c.Scale, _ = strconv.Atoi(m[2])
			}
		}
	case "bool":
		c.Kind = kBool
	case "timestamp":
		c.Kind = kTimestamp
	case "timestamptz":
		c.Kind = kTimestampTZ
	case "date":
		c.Kind = kDate
	default:
		c.Kind = kOther
	}
	return c
}

// colLength is the col_length of stl_load_errors: the length of a type
// that has one.
func (c Column) colLength() string {
	switch {
	case c.Kind == kChar && c.Length > 0:
		return strconv.Itoa(c.Length)
	case c.Kind == kNumeric && c.Precision > 0:
		return fmt.Sprintf("%d,%d", c.Precision, c.Scale)
	}
	return ""
}

// LoadError is one rejected field, with the error codes of the Load error
// reference (https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html).
type LoadError struct {
	Code     int
	Reason   string
	RawValue string
	Position int
}

// ConvertOptions are the COPY options that change value conversion.
type ConvertOptions struct {
	TimeFormat     string // "", "auto", "epochsecs", "epochmillisecs" or a format string
	TruncateCols   bool
	AcceptInvChars bool
	InvCharReplace byte
}

// Load error codes (r_Load_Error_Reference.html).
const (
	errJSON       = 1224 // input data is not well-formed JSON
	errRange      = 1204 // input data exceeded the acceptable range for the data type
	errDate       = 1205
	errTimestamp  = 1206
	errDigit      = 1207 // value outside of the expected range of 0-9
	errFloat      = 1208
	errDecimal    = 1209
	errBool       = 1210
	errNotNull    = 1213
	errInvalidUTF = 1220 // invalid or unsupported UTF-8 code points
	errIntOvf     = 1222 // integer value overflow (assumption: the table's 1222 row)
	errDataType   = 1223 // invalid data type
)

func intTypeName(k colKind) string {
	switch k {
	case kInt2:
		return "Short"
	case kInt8:
		return "Long"
	}
	return "Integer"
}

// convertValue converts one JSON value to the text form Postgres' COPY
// accepts for the column. null reports NULL.
func convertValue(c Column, v *jsonValue, o ConvertOptions) (out string, null bool, lerr *LoadError) {
	if v == nil || v.kind == jNull {
		return "", true, nil
	}
	raw := v.text
	if v.kind == jObject || v.kind == jArray {
		raw = v.raw
	}
	fail := func(code int, pos int, format string, args ...any) (string, bool, *LoadError) {
		return "", false, &LoadError{Code: code, Reason: fmt.Sprintf(format, args...), RawValue: raw, Position: pos}
	}
	if c.Kind == kChar {
		s := raw
		if v.hasNUL || !utf8.ValidString(s) {
			if !o.AcceptInvChars {
				bad := firstInvalid(s)
				return fail(errInvalidUTF, bad, "String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: %02x (error 3)", s[bad])
			}
			s = replaceInvalid(s, o.InvCharReplace)
		}
		if c.Length > 0 && len(s) > c.Length {
			if !o.TruncateCols {
				return fail(errRange, 0, "String length exceeds DDL length")
			}
			s = truncateUTF8(s, c.Length)
		}
		return s, false, nil
	}
	if v.kind == jObject || v.kind == jArray {
		return fail(errDataType, 0, "Invalid data type: a JSON %s cannot be loaded into %s", map[jsonKind]string{jObject: "object", jArray: "array"}[v.kind], c.TypeName)
	}
	// copy-parameters-data-conversion.html (EMPTYASNULL): "Empty fields for
	// other data types, such as INT, are always loaded with NULL."
	if v.kind == jString && raw == "" {
		return "", true, nil
	}
	switch c.Kind {
	case kInt2, kInt4, kInt8:
		s := raw
		if v.kind == jBool {
			return fail(errDigit, 0, "Invalid digit, Value '%c', Pos 0, Type: %s", s[0], intTypeName(c.Kind))
		}
		for i := 0; i < len(s); i++ {
			ch := s[i]
			if isDigit(ch) || (i == 0 && (ch == '-' || ch == '+') && len(s) > 1) {
				continue
			}
			return fail(errDigit, i, "Invalid digit, Value '%c', Pos %d, Type: %s", ch, i, intTypeName(c.Kind))
		}
		bits := map[colKind]int{kInt2: 16, kInt4: 32, kInt8: 64}[c.Kind]
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
			return fail(errIntOvf, 0, "Overflow, Value '%s', Type: %s (valid range %d to %d)", s, intTypeName(c.Kind), lo, hi)
		}
		return strconv.FormatInt(n, 10), false, nil
	case kFloat4, kFloat8:
		if v.kind == jBool {
			return fail(errFloat, 0, "Invalid float value '%s'", raw)
		}
		bits := 64
		if c.Kind == kFloat4 {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), bits)
		if err != nil {
			return fail(errFloat, 0, "Invalid float value '%s'", raw)
		}
		return strconv.FormatFloat(f, 'g', -1, bits), false, nil
	case kNumeric:
		r, ok := new(big.Rat).SetString(strings.TrimSpace(raw))
		if !ok || v.kind == jBool || strings.ContainsAny(raw, "/") {
			return fail(errDecimal, 0, "Invalid decimal value '%s'", raw)
		}
		if c.Precision > 0 {
			limit := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.Precision-c.Scale)), nil))
			abs := new(big.Rat).Abs(r)
			// round to the scale first, as the numeric input does
			rounded, _ := new(big.Rat).SetString(abs.FloatString(c.Scale))
			if rounded.Cmp(limit) >= 0 {
				return fail(errRange, 0, "Numeric data overflow (result precision)")
			}
			return r.FloatString(c.Scale), false, nil
		}
		return strings.TrimSpace(raw), false, nil
	case kBool:
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "t", "true", "y", "yes", "1", "on":
			return "t", false, nil
		case "f", "false", "n", "no", "0", "off":
			return "f", false, nil
		}
		return fail(errBool, 0, "Invalid boolean value '%s'", raw)
	case kTimestamp, kTimestampTZ, kDate:
		t, ok := parseTime(v, o.TimeFormat, c.Kind == kDate)
		if !ok {
			if c.Kind == kDate {
				return fail(errDate, 0, "Invalid date format or value [YYYY-MM-DD]")
			}
			return fail(errTimestamp, 0, "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]")
		}
		switch c.Kind {
		case kDate:
			return t.Format("2006-01-02"), false, nil
		case kTimestampTZ:
			return t.UTC().Format("2006-01-02 15:04:05.999999") + "+00", false, nil
		}
		return t.Format("2006-01-02 15:04:05.999999"), false, nil
	}
	// Any other type: its JSON text, and the backend's input function
	// judges it.
	return raw, false, nil
}

// firstInvalid returns the offset of the first invalid UTF-8 byte or NUL.
func firstInvalid(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r == 0 {
			return i
		}
		i += n
	}
	return 0
}

// replaceInvalid replaces each invalid UTF-8 byte (and NUL) with rep:
// ACCEPTINVCHARS "replaces each invalid UTF-8 character with a string of
// equal length consisting of the character specified"
// (copy-parameters-data-conversion.html#acceptinvchars).
func replaceInvalid(s string, rep byte) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r == 0 {
			b.WriteByte(rep)
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

// truncateUTF8 cuts s to at most n bytes without splitting a character
// (TRUNCATECOLUMNS, copy-parameters-data-conversion.html#copy-truncatecolumns).
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	k := n
	for k > 0 && !utf8.RuneStart(s[k]) {
		k--
	}
	return s[:k]
}

var autoLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05.999999999",
	"2006/01/02",
	"01/02/2006 15:04:05",
	"01/02/2006",
	"20060102 15:04:05",
	"20060102",
	"Jan 2 2006 15:04:05",
	"Jan 2, 2006",
	"2-Jan-2006",
}

// parseTime converts a JSON value to a time. TIMEFORMAT 'epochsecs' and
// 'epochmillisecs' take numbers (or numeric strings) of seconds or
// milliseconds since 1970-01-01 00:00:00 UTC; 'auto' (and no TIMEFORMAT)
// take strings in the usual formats; any other value is a Redshift
// datetime format string (copy-parameters-data-conversion.html#copy-timeformat,
// r_DATEFORMAT_and_TIMEFORMAT_strings.html).
func parseTime(v *jsonValue, format string, date bool) (time.Time, bool) {
	s := strings.TrimSpace(v.text)
	switch format {
	case "epochsecs", "epochmillisecs":
		if v.kind != jNumber && v.kind != jString {
			return time.Time{}, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, false
		}
		var micros float64
		if format == "epochsecs" {
			micros = f * 1e6
		} else {
			micros = f * 1e3
		}
		if math.Abs(micros) > 9e18 {
			return time.Time{}, false
		}
		return time.UnixMicro(int64(math.Round(micros))).UTC(), true
	}
	if v.kind != jString {
		return time.Time{}, false
	}
	layouts := autoLayouts
	if format != "" && format != "auto" {
		layouts = []string{redshiftToGoLayout(format)}
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// redshiftToGoLayout translates the datetime format elements of
// r_DATEFORMAT_and_TIMEFORMAT_strings.html into a Go layout.
func redshiftToGoLayout(f string) string {
	r := strings.NewReplacer(
		"YYYY", "2006", "YY", "06", "MONTH", "January", "MON", "Jan", "MM", "01", "DD", "02",
		"HH24", "15", "HH12", "03", "HH", "15", "MI", "04", "SS", "05", "AM", "PM", "PM", "PM",
		".SSSSSS", ".000000", ".SSS", ".000",
	)
	return r.Replace(f)
}

// printable replaces each non-ASCII byte and each control byte with '.':
// STL_LOAD_ERRORS documents raw_line and raw_field_value as having
// "Multibyte characters in the load data ... replaced with a period"
// (r_STL_LOAD_ERRORS.html). The emulator also replaces control bytes (NUL
// cannot be stored); tabs and newlines become '.' too (assumption).
func printable(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 0x80 || c < 0x20 || c == 0x7f {
			b[i] = '.'
		}
	}
	return string(b)
}
