package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// benchColumns is the shape of the table the raw COPY and the row-by-row
// baseline fill: staging_events' columns (sql/postgres/staging.sql), in its
// order, with no index and no constraint.
const benchColumns = `artist TEXT, auth TEXT, first_name TEXT, gender TEXT, item_in_session INTEGER,
	last_name TEXT, length DOUBLE PRECISION, level TEXT, location TEXT, method TEXT, page TEXT,
	registration DOUBLE PRECISION, session_id INTEGER, song TEXT, status INTEGER, ts TIMESTAMP,
	user_agent TEXT, user_id TEXT`

// insertSQL is the baseline's statement: one INSERT per record.
const insertSQL = `INSERT INTO %s VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`

// event is one log line, with the keys of the public log files.
type event struct {
	Artist        *string  `json:"artist"`
	Auth          *string  `json:"auth"`
	FirstName     *string  `json:"firstName"`
	Gender        *string  `json:"gender"`
	ItemInSession *int64   `json:"itemInSession"`
	LastName      *string  `json:"lastName"`
	Length        *float64 `json:"length"`
	Level         *string  `json:"level"`
	Location      *string  `json:"location"`
	Method        *string  `json:"method"`
	Page          *string  `json:"page"`
	Registration  *float64 `json:"registration"`
	SessionID     *int64   `json:"sessionId"`
	Song          *string  `json:"song"`
	Status        *int64   `json:"status"`
	TS            *int64   `json:"ts"`
	UserAgent     *string  `json:"userAgent"`
	UserID        any      `json:"userId"` // a string, "" when logged out; a number in some sources
}

// values returns the record in benchColumns' order: nil for NULL, else a
// string, an int64 or a float64 (ts as text, "2006-01-02 15:04:05.000" UTC).
func (e *event) values() []any {
	str := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	i64 := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	f64 := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	var ts, user any
	if e.TS != nil {
		ts = time.UnixMilli(*e.TS).UTC().Format("2006-01-02 15:04:05.000")
	}
	switch u := e.UserID.(type) {
	case string:
		user = u
	case float64:
		user = strconv.FormatFloat(u, 'f', -1, 64)
	}
	return []any{str(e.Artist), str(e.Auth), str(e.FirstName), str(e.Gender), i64(e.ItemInSession),
		str(e.LastName), f64(e.Length), str(e.Level), str(e.Location), str(e.Method), str(e.Page),
		f64(e.Registration), i64(e.SessionID), str(e.Song), i64(e.Status), ts, str(e.UserAgent), user}
}

// nextSongs calls fn with the values of every NextSong record of a log file
// (one JSON object a line), in order. name labels errors.
func nextSongs(r io.Reader, name string, fn func([]any) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e event
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if e.Page == nil || *e.Page != "NextSong" {
			continue
		}
		if err := fn(e.values()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// appendCSV appends one CSV line for COPY … (FORMAT csv): NULL is an empty
// unquoted field, every string is quoted (so "" stays an empty string).
func appendCSV(b []byte, vals []any) []byte {
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := v.(type) {
		case nil:
		case string:
			b = append(b, '"')
			for j := 0; j < len(v); j++ {
				if v[j] == '"' {
					b = append(b, '"')
				}
				b = append(b, v[j])
			}
			b = append(b, '"')
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case float64:
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		default:
			panic(fmt.Sprintf("appendCSV: unexpected %T", v))
		}
	}
	return append(b, '\n')
}
