package source

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func collect(t *testing.T, decode DecodeFunc, input string) (rows [][]any, bad []*RecordError) {
	t.Helper()
	err := decode("s3://b/k.json", strings.NewReader(input),
		func(r []any) error { rows = append(rows, r); return nil },
		func(e *RecordError) error { bad = append(bad, e); return nil })
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return rows, bad
}

func str(v any) string {
	p, ok := v.(*string)
	if !ok || p == nil {
		return "<nil>"
	}
	return *p
}

func TestDecodeEventsQuirks(t *testing.T) {
	input := `{"artist":null,"auth":"Logged Out","firstName":null,"gender":null,"itemInSession":0,"lastName":null,"length":null,"level":"free","location":null,"method":"PUT","page":"Login","registration":null,"sessionId":52,"song":null,"status":307,"ts":1541207073796,"userAgent":null,"userId":""}

{"artist":"JosÃ© GonzÃ¡lez","auth":"Logged In","firstName":"Zoë","gender":"F","itemInSession":3,"lastName":"Ångström","length":218.93179,"level":"paid","location":"Köln","method":"PUT","page":"NextSong","registration":1540919166796.0,"sessionId":7,"song":"Heartbeats","status":200,"ts":1541207073796.0,"userAgent":"\"Mozilla/5.0\"","userId":"39"}
{"userId":42,"ts":1}
`
	rows, bad := collect(t, DecodeEvents, input)
	if len(bad) != 0 {
		t.Fatalf("bad records: %v", bad)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	col := func(row []any, name string) any {
		for i, c := range EventColumns {
			if c == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return nil
	}
	if got := col(rows[0], "user_id"); got != "" {
		t.Errorf("logged-out user_id = %#v, want empty string", got)
	}
	if got := str(col(rows[0], "artist")); got != "<nil>" {
		t.Errorf("null artist = %q", got)
	}
	r := rows[1]
	for name, want := range map[string]string{
		"artist": "JosÃ© GonzÃ¡lez", "first_name": "Zoë", "last_name": "Ångström",
		"user_agent": `"Mozilla/5.0"`, "page": "NextSong", "location": "Köln",
	} {
		if got := str(col(r, name)); got != want {
			t.Errorf("%s = %q, want %q (byte for byte)", name, got, want)
		}
	}
	if got := col(r, "user_id"); got != "39" {
		t.Errorf("user_id = %#v, want \"39\"", got)
	}
	if got := *col(r, "length").(*float64); got != 218.93179 {
		t.Errorf("length = %v", got)
	}
	if got := *col(r, "registration").(*float64); got != 1540919166796.0 {
		t.Errorf("registration = %v", got)
	}
	wantTS := time.Date(2018, 11, 3, 1, 4, 33, 796e6, time.UTC)
	if got := col(r, "ts").(time.Time); !got.Equal(wantTS) || got.Location() != time.UTC {
		t.Errorf("ts = %v, want %v UTC", got, wantTS)
	}
	if got := col(rows[2], "user_id"); got != "42" {
		t.Errorf("numeric userId = %#v, want \"42\"", got)
	}
}

func TestDecodeEventsMalformed(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"broken JSON", `{"ts":1,"userId":"1"`, "line 2: invalid JSON: unexpected end of input"},
		{"wrong type", `{"ts":1,"itemInSession":"four"}`, "line 2: itemInSession: expected a whole number, got JSON string"},
		{"fraction for an integer", `{"ts":1,"itemInSession":1.5}`, "line 2: itemInSession: expected a whole number from -2147483648 to 2147483647, got 1.5"},
		{"integer out of range", `{"ts":1,"sessionId":99999999999}`, "line 2: sessionId: expected a whole number from -2147483648 to 2147483647, got 99999999999"},
		{"object for a string", `{"ts":1,"artist":{"name":"x"}}`, "line 2: artist: expected a string, got JSON object"},
		{"boolean userId", `{"ts":1,"userId":true}`, "line 2: userId: expected a string, got JSON boolean"},
		{"two objects on a line", `{"ts":1} {"ts":2}`, "line 2: invalid JSON: invalid character '{' after top-level value"},
		{"level longer than its column", `{"ts":1,"level":"` + strings.Repeat("é", 9) + `"}`, "line 2: level: 18 bytes, longer than the column's 16"},
		{"user id longer than its column", `{"ts":1,"userId":"` + strings.Repeat("1", 33) + `"}`, "line 2: user_id: 33 bytes, longer than the column's 32"},
		{"missing ts", `{"userId":"1"}`, "line 2: ts: missing"},
		{"null ts", `{"ts":null,"userId":"1"}`, "line 2: ts: missing"},
		{"fractional ts", `{"ts":1.5}`, "line 2: ts: expected epoch milliseconds, got 1.5"},
		{"not an object", `[1,2]`, "line 2: invalid JSON: expected an object"},
		{"ts far in the future", `{"ts":99999999999999999}`, "line 2: ts: 99999999999999999 is not a time between 1970 and 2100 in epoch milliseconds"},
		{"negative ts", `{"ts":-5}`, "line 2: ts: -5 is not a time between 1970 and 2100 in epoch milliseconds"},
		{"NUL character", `{"ts":1,"artist":"Nul\u0000Band"}`, `line 2: a string holds a NUL character (\u0000)`},
		{"invalid UTF-8", "{\"ts\":1,\"artist\":\"\xff\xfe\"}", "line 2: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad := collect(t, DecodeEvents, `{"ts":1,"userId":"5"}`+"\n"+tt.line+"\n"+`{"ts":2,"userId":"6"}`)
			if len(rows) != 2 {
				t.Errorf("got %d good rows, want 2 (the lines around the bad one)", len(rows))
			}
			if len(bad) != 1 {
				t.Fatalf("got %d bad records, want 1", len(bad))
			}
			if got := bad[0].Error(); got != "s3://b/k.json "+tt.want {
				t.Errorf("error = %q, want %q", got, "s3://b/k.json "+tt.want)
			}
		})
	}
}

func TestDecodeSongs(t *testing.T) {
	rows, bad := collect(t, DecodeSongs, `{"num_songs": 1, "artist_id": "ARD7TVE1187B99BFB1", "artist_latitude": null, "artist_longitude": null, "artist_location": "", "artist_name": "Casual", "song_id": "SOMZWCG12A8C13C480", "title": "I Didn't Mean To", "duration": 218.93179, "year": 0}`)
	if len(bad) != 0 || len(rows) != 1 {
		t.Fatalf("rows %d, bad %v", len(rows), bad)
	}
	r := rows[0]
	if got := str(r[6]); got != "SOMZWCG12A8C13C480" {
		t.Errorf("song_id = %q", got)
	}
	if got := str(r[4]); got != "" {
		t.Errorf("artist_location = %q, want \"\" (the transform turns it into null)", got)
	}
	if r[2].(*float64) != nil {
		t.Errorf("latitude = %v, want nil", r[2])
	}
	if got := *r[9].(*int32); got != 0 {
		t.Errorf("year = %d, want 0 (the transform turns it into null)", got)
	}
}

func TestDecodeSongsMalformed(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"truncated", "\n\n{\"song_id\": \"S1\", ", "s3://b/k.json line 3: invalid JSON: unexpected end of input"},
		{"wrong type", `{"song_id":"S1","artist_id":"A1","duration":"long"}`, "s3://b/k.json line 1: duration: expected a number, got JSON string"},
		{"missing id", `{"artist_id":"A1"}`, "s3://b/k.json line 1: song_id: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad := collect(t, DecodeSongs, tt.input)
			if len(rows) != 0 || len(bad) != 1 {
				t.Fatalf("rows %d, bad %d; want 0 and 1", len(rows), len(bad))
			}
			if bad[0].Error() != tt.want {
				t.Errorf("error = %q, want %q", bad[0].Error(), tt.want)
			}
		})
	}
}

func TestErrorsAllowance(t *testing.T) {
	e := NewErrors(2)
	rec := &RecordError{URI: "file:///x.json", Line: 3, Err: errors.New("bad")}
	for i := range 2 {
		if err := e.Add(rec); err != nil {
			t.Fatalf("Add #%d: %v, want nil within the allowance", i+1, err)
		}
	}
	err := e.Add(rec)
	var tm *TooManyErrors
	if !errors.As(err, &tm) {
		t.Fatalf("third Add: %v, want *TooManyErrors", err)
	}
	want := "more than 2 malformed records (SPARKIFY_MAX_ERRORS=2); fix the files or raise SPARKIFY_MAX_ERRORS to skip them:\n  file:///x.json line 3: bad\n  file:///x.json line 3: bad\n  file:///x.json line 3: bad"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err.Error(), want)
	}
	if e.Count() != 3 {
		t.Errorf("Count = %d, want 3", e.Count())
	}
}

func TestCheckTextEscapedBackslash(t *testing.T) {
	// \\u0000 in JSON is a backslash followed by the text u0000: no NUL.
	rows, bad := collect(t, DecodeEvents, `{"ts":1,"artist":"a\\u0000b"}`)
	if len(bad) != 0 || len(rows) != 1 {
		t.Fatalf("rows %d, bad %v", len(rows), bad)
	}
	if got := str(rows[0][0]); got != `a\u0000b` {
		t.Errorf("artist = %q", got)
	}
}
