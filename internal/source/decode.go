package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// EventColumns are the staging_events columns, in the order of the rows that
// DecodeEvents emits (and of the Redshift jsonpaths file).
var EventColumns = []string{
	"artist", "auth", "first_name", "gender", "item_in_session", "last_name",
	"length", "level", "location", "method", "page", "registration",
	"session_id", "song", "status", "ts", "user_agent", "user_id",
}

// SongColumns are the staging_songs columns, in the order of the rows that
// DecodeSongs emits.
var SongColumns = []string{
	"num_songs", "artist_id", "artist_latitude", "artist_longitude",
	"artist_location", "artist_name", "song_id", "title", "duration", "year",
}

// MaxRecord is the largest JSON record read (a log line, a song file). A
// longer one is a malformed record, so that memory stays bounded whatever
// the data: decoding holds a few copies of a record, and the records in
// flight take at most about S3_CONCURRENCY x 10 x MaxRecord of heap,
// garbage included (BenchmarkOversizedRecordsMemory; the README's memory
// budget). Real records are under 1 KiB, and every staging column together
// holds under 12 KiB; Redshift's own limit for one JSON object is 4 MB
// (copy_json.html).
const MaxRecord = 256 << 10

// eventKeys and songKeys are the keys the decoders read, as spelled in the
// files: keys match case-sensitively, as in Redshift's COPY.
var (
	eventKeys = jsonKeys(logEvent{})
	songKeys  = jsonKeys(songFile{})
)

// RecordError is a malformed record: the object, the line and what is wrong.
type RecordError struct {
	URI  string
	Line int
	Err  error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("%s line %d: %v", e.URI, e.Line, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// A DecodeFunc reads one object and calls emit for every row it holds and bad
// for every malformed record (after which it goes on with the next record).
// It returns an error only when the object cannot be read at all.
type DecodeFunc func(uri string, r io.Reader, emit func([]any) error, bad func(*RecordError) error) error

// logEvent is one line of a log file. Pointers keep JSON null apart from a
// zero value. Keys match case-sensitively and may not repeat (the decoder's
// defaults). Unknown, the embedded fallback, collects the other keys: they
// are ignored unless one differs from a known key only in case.
type logEvent struct {
	Artist        *string        `json:"artist"`
	Auth          *string        `json:"auth"`
	FirstName     *string        `json:"firstName"`
	Gender        *string        `json:"gender"`
	ItemInSession *int32         `json:"itemInSession"`
	LastName      *string        `json:"lastName"`
	Length        *float64       `json:"length"`
	Level         *string        `json:"level"`
	Location      *string        `json:"location"`
	Method        *string        `json:"method"`
	Page          *string        `json:"page"`
	Registration  *float64       `json:"registration"`
	SessionID     *int32         `json:"sessionId"`
	Song          *string        `json:"song"`
	Status        *int32         `json:"status"`
	TS            *millis        `json:"ts"`
	UserAgent     *string        `json:"userAgent"`
	UserID        *userID        `json:"userId"`
	Unknown       jsontext.Value `json:",embed"`
}

// millis is an epoch-milliseconds timestamp; some writers print it as a
// float with a zero fraction.
type millis int64

// Timestamps outside these bounds (1970 to 2100) are not real events; they
// would also overflow or distort the databases' timestamp types.
const (
	minMillis = 0
	maxMillis = 4102444800000 // 2100-01-01
)

func (m *millis) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	s := string(v)
	if v.Kind() != '0' {
		return fmt.Errorf("ts: expected epoch milliseconds, got %s", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("ts: expected epoch milliseconds, got %s", s)
		}
		n = int64(f)
	}
	if n < minMillis || n >= maxMillis {
		return fmt.Errorf("ts: %s is not a time between 1970 and 2100 in epoch milliseconds", s)
	}
	*m = millis(n)
	return nil
}

// userID is the log's userId: a string of digits, "" for logged-out events.
// A bare number is accepted too, as Redshift's COPY loads it. It is staged
// as text on both targets; a value that is not a number fails the load's
// staging check (sql/shared/transform/00_staging_checks.sql) on both.
type userID string

func (u *userID) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '"':
		*u = userID(tok.String())
	case '0':
		*u = userID(tok.String()) // the number as written
	default:
		return fmt.Errorf("userId: expected a string, got JSON %s", kindName(tok.Kind()))
	}
	return nil
}

// ColumnBytes are the staging columns' sizes in bytes on Redshift
// (sql/redshift/staging.sql; a test keeps the two equal). A longer value is
// a malformed record on both targets: Redshift's COPY rejects it (error
// 1204), and the decoders here report it naming the column.
var ColumnBytes = map[string]int{
	"artist": 1024, "auth": 32, "first_name": 512, "gender": 16, "last_name": 512,
	"level": 16, "location": 1024, "method": 16, "page": 64, "song": 1024,
	"user_agent": 2048, "user_id": 32,
	"artist_id": 32, "artist_location": 1024, "artist_name": 1024, "song_id": 32, "title": 1024,
}

// checkLengths reports the first text value longer than its column.
func checkLengths(cols []string, row []any) error {
	for i, v := range row {
		var n int
		switch v := v.(type) {
		case *string:
			if v != nil {
				n = len(*v)
			}
		case string:
			n = len(v)
		}
		if limit, ok := ColumnBytes[cols[i]]; ok && n > limit {
			return fmt.Errorf("%s: %d bytes, longer than the column's %d", cols[i], n, limit)
		}
	}
	return nil
}

// DecodeEvents decodes a log file: JSON lines, one event each.
func DecodeEvents(uri string, r io.Reader, emit func([]any) error, bad func(*RecordError) error) error {
	return decodeObject(uri, r, bad, func(lr *lineReader) error {
		for {
			b, tooLong, err := lr.next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return &ObjectError{URI: uri, Err: fmt.Errorf("read after line %d: %w", lr.line-1, err)}
			}
			b = bytes.TrimSpace(b)
			if len(b) == 0 && !tooLong {
				continue
			}
			row, err := eventRow(b, tooLong)
			if err := deliver(uri, lr.line, row, err, emit, bad); err != nil {
				return err
			}
		}
	})
}

// eventRow decodes one log line into its staging_events row.
func eventRow(b []byte, tooLong bool) ([]any, error) {
	if tooLong {
		return nil, fmt.Errorf("longer than %d KiB, the largest record the job reads", MaxRecord>>10)
	}
	if err := checkText(b); err != nil {
		return nil, err
	}
	var e logEvent
	if err := unmarshalObject(b, &e, &e.Unknown, eventKeys); err != nil {
		return nil, err
	}
	if e.TS == nil {
		return nil, errors.New("ts: missing")
	}
	uid := ""
	if e.UserID != nil {
		uid = string(*e.UserID)
	}
	row := []any{
		e.Artist, e.Auth, e.FirstName, e.Gender, e.ItemInSession, e.LastName,
		e.Length, e.Level, e.Location, e.Method, e.Page, e.Registration,
		e.SessionID, e.Song, e.Status, time.UnixMilli(int64(*e.TS)).UTC(), e.UserAgent, uid,
	}
	return row, checkLengths(EventColumns, row)
}

// decodeObject runs body on a reader of r's lines, unless r cannot be read
// (an ObjectError) or is not JSON records at all (one malformed record, the
// whole object).
func decodeObject(uri string, r io.Reader, bad func(*RecordError) error, body func(*lineReader) error) error {
	lr, err := newLineReader(r)
	if err != nil {
		return &ObjectError{URI: uri, Err: err}
	}
	defer lr.release()
	if msg := lr.notJSONLines(); msg != "" {
		return bad(&RecordError{URI: uri, Line: 1, Err: errors.New(msg)})
	}
	return body(lr)
}

// deliver emits a decoded record's row, or reports it through bad as
// malformed when err is set.
func deliver(uri string, line int, row []any, err error, emit func([]any) error, bad func(*RecordError) error) error {
	if err != nil {
		return bad(&RecordError{URI: uri, Line: line, Err: err})
	}
	return emit(row)
}

// lineReader reads an object's lines, each up to MaxRecord bytes, skipping
// a UTF-8 byte-order mark at the start.
type lineReader struct {
	br   *bufio.Reader
	line int // the number of the line last returned
	buf  []byte
}

// readers are the lineReaders' buffered readers, reused from object to
// object: a song file is a few hundred bytes, and a fresh 64 KiB buffer for
// each of 100,000 of them is most of what a load allocates.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// newLineReader returns a reader of r's lines; release gives its buffer
// back once the decoder is done with r.
func newLineReader(r io.Reader) (*lineReader, error) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	lr := &lineReader{br: br}
	if bom, err := lr.br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		lr.br.Discard(3)
	} else if err != nil && err != io.EOF {
		lr.release()
		return nil, err
	}
	return lr, nil
}

func (lr *lineReader) release() {
	lr.br.Reset(nil)
	readers.Put(lr.br)
	lr.br = nil
}

// notJSONLines names what the object is when it is not JSON records at
// all: gzip-compressed, or one JSON array. It is then one malformed record
// (the whole object), not one per line.
func (lr *lineReader) notJSONLines() string {
	head, _ := lr.br.Peek(64)
	switch t := bytes.TrimLeft(head, " \t\r\n"); {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "the object is gzip-compressed: the job reads plain JSON (and Redshift's COPY would need GZIP); store it uncompressed"
	case len(t) > 0 && t[0] == '[':
		return "the object holds a JSON array: the job reads JSON objects one after another (as Redshift's COPY does); write one object per record"
	}
	return ""
}

// next returns the next line without its newline. A line longer than
// MaxRecord is skipped to its end and returned empty with tooLong set. The
// error is io.EOF at the end, or the reader's error (a transport fault,
// never a malformed record).
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if !tooLong {
			if len(lr.buf)+len(chunk) > MaxRecord+1 {
				tooLong, lr.buf = true, lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && (len(lr.buf) > 0 || tooLong):
			lr.line++
			return lr.buf, tooLong, nil
		case err != nil:
			return nil, false, err
		}
		lr.line++
		return lr.buf, tooLong, nil
	}
}

// songFile is one song record.
type songFile struct {
	NumSongs        *int32         `json:"num_songs"`
	ArtistID        *string        `json:"artist_id"`
	ArtistLatitude  *float64       `json:"artist_latitude"`
	ArtistLongitude *float64       `json:"artist_longitude"`
	ArtistLocation  *string        `json:"artist_location"`
	ArtistName      *string        `json:"artist_name"`
	SongID          *string        `json:"song_id"`
	Title           *string        `json:"title"`
	Duration        *float64       `json:"duration"`
	Year            *int32         `json:"year"`
	Unknown         jsontext.Value `json:",embed"`
}

// DecodeSongs decodes a song file: one JSON object (or several, one after the
// other).
func DecodeSongs(uri string, r io.Reader, emit func([]any) error, bad func(*RecordError) error) error {
	return decodeObject(uri, r, bad, func(lr *lineReader) error {
		data, err := readLimited(lr.br, MaxRecord+1)
		if err != nil {
			return &ObjectError{URI: uri, Err: err}
		}
		if len(data) > MaxRecord {
			return bad(&RecordError{URI: uri, Line: 1, Err: fmt.Errorf("larger than %d KiB, the largest record the job reads; song files hold one song each", MaxRecord>>10)})
		}
		dec := jsontext.NewDecoder(bytes.NewReader(data))
		for {
			start := dec.InputOffset()
			raw, err := dec.ReadValue()
			if err == io.EOF {
				return nil
			}
			line := 1 + bytes.Count(data[:skipSpace(data, int(start))], []byte("\n"))
			if err != nil {
				// The rest of the file cannot be framed: report it once.
				return bad(&RecordError{URI: uri, Line: line, Err: describe(err)})
			}
			row, err := songRow(raw)
			if err := deliver(uri, line, row, err, emit, bad); err != nil {
				return err
			}
		}
	})
}

// songRow decodes one song object into its staging_songs row.
func songRow(raw []byte) ([]any, error) {
	if err := checkText(raw); err != nil {
		return nil, err
	}
	var s songFile
	if err := unmarshalObject(raw, &s, &s.Unknown, songKeys); err != nil {
		return nil, err
	}
	row := []any{
		s.NumSongs, s.ArtistID, s.ArtistLatitude, s.ArtistLongitude,
		s.ArtistLocation, s.ArtistName, s.SongID, s.Title, s.Duration, s.Year,
	}
	if err := checkLengths(SongColumns, row); err != nil {
		return nil, err
	}
	switch {
	case s.SongID == nil || *s.SongID == "":
		return nil, errors.New("song_id: missing")
	case s.ArtistID == nil || *s.ArtistID == "":
		return nil, errors.New("artist_id: missing")
	}
	return row, nil
}

// readLimited reads r to its end or to limit bytes, whichever comes first,
// growing its buffer by doubling but never past limit (io.ReadAll could
// reserve twice the data).
func readLimited(r io.Reader, limit int) ([]byte, error) {
	buf := make([]byte, 0, min(1<<10, limit))
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(2*cap(buf), limit)-len(buf))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// checkText refuses records that the warehouse cannot store byte for byte:
// invalid UTF-8 (encoding/json would silently turn it into U+FFFD, and
// Redshift's COPY rejects it) and NUL characters (which Postgres text cannot
// hold).
func checkText(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("invalid UTF-8")
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`\u0000`))
		if j < 0 {
			return nil
		}
		i += j
		// An escape only if preceded by an even number of backslashes
		// (\\u0000 is a backslash followed by the text u0000).
		k := i
		for k > 0 && b[k-1] == '\\' {
			k--
		}
		if (i-k)%2 == 0 {
			return errors.New(`a string holds a NUL character (\u0000)`)
		}
		i++
	}
}

// unmarshalObject decodes one JSON value that must be an object and turns
// the decoder's errors into messages that name the key. Keys are matched
// case-sensitively, as Redshift's COPY matches them: a key that differs
// from a known one only in case, or a key given twice, makes the record
// malformed. unknown is v's field that collected the keys it has no field
// for.
func unmarshalObject(b []byte, v any, unknown *jsontext.Value, known map[string]string) error {
	if len(b) == 0 || b[0] != '{' {
		return errors.New("invalid JSON: expected an object")
	}
	if err := describe(json.Unmarshal(b, v)); err != nil {
		return err
	}
	if len(*unknown) == 0 {
		return nil
	}
	return checkKeys(*unknown, known)
}

// checkKeys refuses a key that differs from a known one only in case. keys
// is a valid JSON object; known maps each known key, lower-cased, to its
// spelling.
func checkKeys(keys jsontext.Value, known map[string]string) error {
	var m map[string]jsontext.Value
	if err := json.Unmarshal(keys, &m); err != nil {
		return describe(err)
	}
	names := slices.Sorted(maps.Keys(m))
	for _, key := range names {
		if want, ok := known[strings.ToLower(key)]; ok && want != key {
			return fmt.Errorf("key %q: keys are case-sensitive (as in Redshift's COPY); write %q", key, want)
		}
	}
	return nil
}

// jsonKeys maps the lower-cased JSON keys of a struct's fields to their
// spelling.
func jsonKeys(v any) map[string]string {
	t := reflect.TypeOf(v)
	out := map[string]string{}
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); k != "" {
			out[strings.ToLower(k)] = k
		}
	}
	return out
}

// describe turns the decoder's errors into messages that name the key.
func describe(err error) error {
	var se *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Err != nil && !errors.Is(se.Err, strconv.ErrRange) && !errors.Is(se.Err, strconv.ErrSyntax):
		return se.Err // a field's own message (ts, userId)
	case errors.As(err, &se) && se.JSONKind == '0' && baseKind(se.GoType) == reflect.Int32:
		return fmt.Errorf("%s: expected a whole number from -2147483648 to 2147483647, got %s", se.JSONPointer.LastToken(), se.JSONValue)
	case errors.As(err, &se):
		return fmt.Errorf("%s: expected %s, got JSON %s", se.JSONPointer.LastToken(), typeName(se.GoType), kindName(se.JSONKind))
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return fmt.Errorf("key %q is given twice", syn.JSONPointer.LastToken())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON: %v", syn.Err)
	}
	return err
}

// baseKind is the kind of t, or of what it points to.
func baseKind(t reflect.Type) reflect.Kind {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return reflect.Invalid
	}
	return t.Kind()
}

func typeName(t reflect.Type) string {
	switch baseKind(t) {
	case reflect.Int32:
		return "a whole number"
	case reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Invalid:
		return "a value"
	}
	return t.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}
