package sql

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Statement is one SQL statement read from a .sql file.
type Statement struct {
	// File is the path of the .sql file in the SQL file system.
	File string
	// SQL is the statement's text with its leading comments, without the
	// terminating semicolon.
	SQL string
	// Metric, from a "-- metric: table.kind" comment, names the counter that
	// the statement's affected-row count is added to. Kinds: written (rows
	// inserted), replaced (rows deleted to be written again: updates),
	// updated (rows updated in place).
	Metric string
	// Check, from a "-- check: description" comment, marks a quality check:
	// a query returning the number of offending rows, which must be 0.
	Check string
	// Enforced, from a "-- postgres enforces: a, b" comment on a check,
	// names what in the Postgres schema makes the check's count 0 by
	// construction: constraints by name, or "table.column NOT NULL". There
	// the statement that would break the check fails instead, so the
	// Postgres plan leaves the check out; Redshift enforces no constraint
	// and runs every check.
	Enforced []string
	// Lock, from a "-- lock:" comment, marks the statement that takes the
	// load lock and may wait for another load.
	Lock bool
	// Name, from a "-- name: x" comment, lets code pick one statement of a
	// file by name (sqlc style).
	Name string
}

// ReadFile reads and splits one .sql file.
func ReadFile(fsys fs.FS, name string) ([]Statement, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var out []Statement
	for _, text := range Split(string(b)) {
		s := Statement{File: name, SQL: text}
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if v, ok := strings.CutPrefix(line, "-- metric:"); ok {
				s.Metric = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "-- check:"); ok {
				s.Check = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "-- postgres enforces:"); ok {
				for _, c := range strings.Split(v, ",") {
					s.Enforced = append(s.Enforced, strings.TrimSpace(c))
				}
			}
			if v, ok := strings.CutPrefix(line, "-- name:"); ok {
				s.Name = strings.TrimSpace(v)
			}
			if strings.HasPrefix(line, "-- lock:") {
				s.Lock = true
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no statement", name)
	}
	return out, nil
}

// ReadDir reads every .sql file of a directory, in name order.
func ReadDir(fsys fs.FS, dir string) ([]Statement, error) {
	names, err := Files(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Statement
	for _, n := range names {
		st, err := ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
	}
	return out, nil
}

// Files lists the .sql files of a directory, in name order.
func Files(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Split splits SQL text into statements at semicolons that are outside
// quoted strings, quoted identifiers and comments. Pieces that hold only
// comments or white space are dropped; comments before a statement stay
// with it.
func Split(sql string) []string {
	var out []string
	start := 0
	flush := func(end int) {
		piece := strings.TrimSpace(sql[start:end])
		if hasCode(piece) {
			out = append(out, piece)
		}
	}
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"':
			i = skipQuoted(sql, i, c)
		case c == '$':
			i = skipDollarQuoted(sql, i)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
				i += j + 3
			} else {
				i = len(sql)
			}
		case c == ';':
			flush(i)
			start = i + 1
		}
	}
	if start < len(sql) {
		flush(len(sql))
	}
	return out
}

// skipQuoted returns the index of the quote that closes the one at i; a
// doubled quote is an escaped quote.
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j
		}
	}
	return len(s)
}

// skipDollarQuoted returns the index of the last byte of the dollar-quoted
// string ($$…$$ or $tag$…$tag$) that starts at i, or i when no dollar quote
// starts there (a positional parameter such as $1, or a $ inside a name).
func skipDollarQuoted(s string, i int) int {
	if i > 0 && isIdentByte(s[i-1]) {
		return i
	}
	j := i + 1
	for j < len(s) && isIdentByte(s[j]) && !(j == i+1 && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return i
	}
	tag := s[i : j+1]
	end := strings.Index(s[j+1:], tag)
	if end < 0 {
		return len(s)
	}
	return j + 1 + end + len(tag) - 1
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// StripComments returns the statement's code without comments, with string
// literals kept.
func StripComments(sql string) string {
	var b strings.Builder
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '$':
			j := i
			if c == '$' {
				j = skipDollarQuoted(sql, i)
			} else {
				j = skipQuoted(sql, i, c)
			}
			if j >= len(sql) {
				j = len(sql) - 1
			}
			b.WriteString(sql[i : j+1])
			i = j
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return strings.TrimSpace(b.String())
			}
			i += j - 1
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return strings.TrimSpace(b.String())
			}
			b.WriteByte(' ')
			i += j + 3
		default:
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

func hasCode(piece string) bool { return StripComments(piece) != "" }
