package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
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

// maxLine is the longest log line accepted; real lines are under 1 KiB.
const maxLine = 16 << 20

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
// zero value.
type logEvent struct {
	Artist        *string  `json:"artist"`
	Auth          *string  `json:"auth"`
	FirstName     *string  `json:"firstName"`
	Gender        *string  `json:"gender"`
	ItemInSession *int32   `json:"itemInSession"`
	LastName      *string  `json:"lastName"`
	Length        *float64 `json:"length"`
	Level         *string  `json:"level"`
	Location      *string  `json:"location"`
	Method        *string  `json:"method"`
	Page          *string  `json:"page"`
	Registration  *float64 `json:"registration"`
	SessionID     *int32   `json:"sessionId"`
	Song          *string  `json:"song"`
	Status        *int32   `json:"status"`
	TS            *millis  `json:"ts"`
	UserAgent     *string  `json:"userAgent"`
	UserID        *userID  `json:"userId"`
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

func (m *millis) UnmarshalJSON(b []byte) error {
	s := string(b)
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

func (u *userID) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	*u = userID(s)
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
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e logEvent
		err := checkText(b)
		if err == nil {
			err = unmarshalObject(b, &e)
		}
		if err == nil && e.TS == nil {
			err = errors.New("ts: missing")
		}
		if err != nil {
			if err := bad(&RecordError{URI: uri, Line: line, Err: err}); err != nil {
				return err
			}
			continue
		}
		var ts time.Time = time.UnixMilli(int64(*e.TS)).UTC()
		uid := ""
		if e.UserID != nil {
			uid = string(*e.UserID)
		}
		row := []any{
			e.Artist, e.Auth, e.FirstName, e.Gender, e.ItemInSession, e.LastName,
			e.Length, e.Level, e.Location, e.Method, e.Page, e.Registration,
			e.SessionID, e.Song, e.Status, ts, e.UserAgent, uid,
		}
		if err := checkLengths(EventColumns, row); err != nil {
			if err := bad(&RecordError{URI: uri, Line: line, Err: err}); err != nil {
				return err
			}
			continue
		}
		if err := emit(row); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s after line %d: %w", uri, line, err)
	}
	return nil
}

// songFile is one song record.
type songFile struct {
	NumSongs        *int32   `json:"num_songs"`
	ArtistID        *string  `json:"artist_id"`
	ArtistLatitude  *float64 `json:"artist_latitude"`
	ArtistLongitude *float64 `json:"artist_longitude"`
	ArtistLocation  *string  `json:"artist_location"`
	ArtistName      *string  `json:"artist_name"`
	SongID          *string  `json:"song_id"`
	Title           *string  `json:"title"`
	Duration        *float64 `json:"duration"`
	Year            *int32   `json:"year"`
}

// maxSongFile bounds a song file, which holds one small object in practice.
const maxSongFile = 64 << 20

// DecodeSongs decodes a song file: one JSON object (or several, one after the
// other).
func DecodeSongs(uri string, r io.Reader, emit func([]any) error, bad func(*RecordError) error) error {
	data, err := io.ReadAll(io.LimitReader(r, maxSongFile+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", uri, err)
	}
	if len(data) > maxSongFile {
		return fmt.Errorf("read %s: larger than %d MiB; song files hold one song each", uri, maxSongFile>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		line := 1 + bytes.Count(data[:skipSpace(data, int(start))], []byte("\n"))
		if err != nil {
			// The rest of the file cannot be framed: report it once.
			return bad(&RecordError{URI: uri, Line: line, Err: describe(err)})
		}
		var s songFile
		err = checkText(raw)
		if err == nil {
			err = unmarshalObject(raw, &s)
		}
		row := []any{
			s.NumSongs, s.ArtistID, s.ArtistLatitude, s.ArtistLongitude,
			s.ArtistLocation, s.ArtistName, s.SongID, s.Title, s.Duration, s.Year,
		}
		if err == nil {
			err = checkLengths(SongColumns, row)
		}
		if err == nil {
			switch {
			case s.SongID == nil || *s.SongID == "":
				err = errors.New("song_id: missing")
			case s.ArtistID == nil || *s.ArtistID == "":
				err = errors.New("artist_id: missing")
			}
		}
		if err != nil {
			if err := bad(&RecordError{URI: uri, Line: line, Err: err}); err != nil {
				return err
			}
			continue
		}
		if err := emit(row); err != nil {
			return err
		}
	}
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
// the standard library's errors into messages that name the key. (Keys are
// matched as encoding/json does, ignoring case.)
func unmarshalObject(b []byte, v any) error {
	if len(b) == 0 || b[0] != '{' {
		return errors.New("invalid JSON: expected an object")
	}
	return describe(json.Unmarshal(b, v))
}

func describe(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return fmt.Errorf("%s: expected %s, got JSON %s", te.Field, typeName(te.Type.String()), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON: %v", se)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	}
	return err
}

func typeName(t string) string {
	switch t {
	case "int32", "int64", "float64":
		return "a number"
	case "string", "source.userID":
		return "a string"
	}
	return t
}
