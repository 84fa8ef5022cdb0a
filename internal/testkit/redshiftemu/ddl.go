package redshiftemu

import (
	"fmt"
	"strconv"
	"strings"
)

// Redshift's table attributes, which the PostgreSQL grammar does not know:
// DISTSTYLE, DISTKEY, [COMPOUND | INTERLEAVED] SORTKEY, ENCODE, BACKUP and
// IDENTITY(seed, step). redshiftDDL finds them in CREATE TABLE and
// ALTER TABLE ... ADD [COLUMN], and blanks them out of the text the parser
// sees; validateDDL then checks them against the parsed column list.
// https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html,
// https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_AS.html,
// https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html,
// https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html
type redshiftAttrs struct {
	DistStyle  string   // AUTO, EVEN, KEY, ALL; "" when not given
	DistKey    []string // table DISTKEY (col): the columns named (one is valid)
	SortKind   string   // "", COMPOUND or INTERLEAVED
	SortKey    []string // table SORTKEY (cols)
	SortAuto   bool     // SORTKEY AUTO
	TableEnc   string   // ENCODE AUTO after the column list
	Backup     string   // YES or NO
	ColDistKey []string // columns declared with the DISTKEY attribute
	ColSortKey []string // columns declared with the SORTKEY attribute
	Encode     map[string]string
	Identity   map[string][2]string // column: seed, step
	any        bool
}

// redshiftDDL returns sql with the Redshift-only attributes replaced by
// blanks (offsets are kept, so the parser's positions are the client's),
// and what they said.
func redshiftDDL(sql string, toks []token) (string, *redshiftAttrs, *SQLError) {
	sig := significant(toks)
	a := &redshiftAttrs{Encode: map[string]string{}, Identity: map[string][2]string{}}
	if len(sig) == 0 {
		return sql, a, nil
	}
	isCreate, isAlter := false, false
	if isWord(sig[0], "CREATE") {
		for j := 1; j < len(sig) && j < 6; j++ {
			if isWord(sig[j], "TABLE") {
				isCreate = true
				break
			}
			if !isWord(sig[j], "TEMP", "TEMPORARY", "LOCAL", "GLOBAL") {
				break
			}
		}
	}
	if isWord(sig[0], "ALTER") && isWord(at(sig, 1), "TABLE") {
		isAlter = true
	}
	if !isCreate && !isAlter {
		return sql, a, nil
	}
	b := []byte(sql)
	blank := func(i, j int) {
		for k := sig[i].start; k < sig[j].end; k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
		a.any = true
	}
	name := func(t token) string {
		if t.kind == tkQIdent {
			return strings.ReplaceAll(t.text[1:len(t.text)-1], `""`, `"`)
		}
		return strings.ToLower(t.text)
	}
	// list returns the names between sig[open] '(' and its ')'.
	list := func(open int) ([]string, int, *SQLError) {
		end := matchParen(sig, open)
		var out []string
		for j := open + 1; j < end; j++ {
			t := sig[j]
			switch {
			case isPunct(t, ","):
			case t.kind == tkWord || t.kind == tkQIdent:
				out = append(out, name(t))
			default:
				return nil, end, syntaxError(t.text)
			}
		}
		return out, end, nil
	}

	depth := 0
	colListOpen := -1
	elemStart := -1
	column := "" // the column whose definition is being read
	for i := 0; i < len(sig); i++ {
		t := sig[i]
		if isPunct(t, "(") {
			depth++
			if isCreate && colListOpen < 0 && depth == 1 {
				colListOpen = i
				elemStart = i + 1
				column = colName(sig, elemStart, name)
			}
			continue
		}
		if isPunct(t, ")") {
			depth--
			continue
		}
		if isCreate && depth == 1 && isPunct(t, ",") {
			elemStart = i + 1
			column = colName(sig, elemStart, name)
			continue
		}
		if isCreate && depth == 0 && isWord(t, "AS") && !isWord(at(sig, i-1), "DEFAULT", "BY") {
			break // CREATE TABLE ... AS SELECT: the rest is a query
		}
		if isAlter && depth == 0 && i >= 2 && (t.kind == tkWord || t.kind == tkQIdent) {
			if isWord(at(sig, i-1), "ADD") && !isWord(t, "COLUMN", "CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK") {
				column = name(t)
			}
			if isWord(at(sig, i-1), "COLUMN") && isWord(at(sig, i-2), "ADD") {
				column = name(t)
			}
		}
		if t.kind != tkWord || (depth > 1) {
			continue
		}
		inColumn := (depth == 1 && isCreate) || (depth == 0 && isAlter)
		switch t.up {
		case "DISTSTYLE":
			if depth != 0 {
				continue
			}
			v := at(sig, i+1)
			if v.kind != tkWord {
				return "", nil, syntaxError(v.text)
			}
			a.DistStyle = v.up
			blank(i, i+1)
			i++
		case "DISTKEY":
			if isPunct(at(sig, i+1), "(") && depth == 0 {
				cols, end, err := list(i + 1)
				if err != nil {
					return "", nil, err
				}
				a.DistKey = cols
				blank(i, end)
				i = end
			} else if inColumn && column != "" {
				a.ColDistKey = append(a.ColDistKey, column)
				blank(i, i)
			}
		case "SORTKEY":
			kind := ""
			from := i
			if isWord(at(sig, i-1), "COMPOUND", "INTERLEAVED") {
				kind = at(sig, i-1).up
				from = i - 1
			}
			switch {
			case depth == 0 && isPunct(at(sig, i+1), "("):
				cols, end, err := list(i + 1)
				if err != nil {
					return "", nil, err
				}
				a.SortKind, a.SortKey = kind, cols
				blank(from, end)
				i = end
			case depth == 0 && isWord(at(sig, i+1), "AUTO") && kind == "":
				a.SortAuto = true
				blank(i, i+1)
				i++
			case inColumn && column != "" && kind == "":
				a.ColSortKey = append(a.ColSortKey, column)
				blank(i, i)
			default:
				return "", nil, syntaxError(t.text)
			}
		case "ENCODE":
			v := at(sig, i+1)
			if v.kind != tkWord {
				return "", nil, syntaxError(v.text)
			}
			if depth == 0 && isCreate {
				a.TableEnc = v.up
			} else if inColumn && column != "" {
				a.Encode[column] = v.up
			} else {
				return "", nil, syntaxError(t.text)
			}
			blank(i, i+1)
			i++
		case "BACKUP":
			if depth == 0 && isWord(at(sig, i+1), "YES", "NO") {
				a.Backup = at(sig, i+1).up
				blank(i, i+1)
				i++
			}
		case "IDENTITY":
			if !isPunct(at(sig, i+1), "(") || !inColumn || column == "" {
				continue
			}
			end := matchParen(sig, i+1)
			args := splitArgs(sql, sig, i+1, end)
			if len(args) != 2 {
				return "", nil, &SQLError{Code: "42601", Message: "IDENTITY takes two arguments: IDENTITY(seed, step)", Hint: "See " + docCreateTable}
			}
			a.Identity[column] = [2]string{args[0], args[1]}
			if isWord(at(sig, i-1), "AS") && isWord(at(sig, i-2), "DEFAULT") {
				blank(i+1, end) // GENERATED BY DEFAULT AS IDENTITY(seed, step): keep IDENTITY
			} else {
				blank(i, end)
			}
			i = end
		}
	}
	return string(b), a, nil
}

// colName returns the column a table element at sig[i] defines, or "" for a
// table constraint or LIKE.
func colName(sig []token, i int, name func(token) string) string {
	t := at(sig, i)
	if t.kind == tkQIdent {
		return name(t)
	}
	if t.kind != tkWord || isWord(t, "CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "LIKE", "EXCLUDE") {
		return ""
	}
	return name(t)
}

func syntaxError(near string) *SQLError {
	if near == "" {
		return &SQLError{Code: "42601", Message: "syntax error at end of input"}
	}
	return &SQLError{Code: "42601", Message: fmt.Sprintf("syntax error at or near %q", near)}
}

// encodingTypes lists, for each compression encoding, the column types it
// applies to (c_Compression_encodings.html and its per-encoding pages).
// nil: every type.
var encodingTypes = map[string][]string{
	"RAW":       nil,
	"AZ64":      {"int2", "int4", "int8", "numeric", "date", "timestamp", "timestamptz", "time", "timetz"},
	"BYTEDICT":  {"int2", "int4", "int8", "numeric", "float4", "float8", "bpchar", "varchar", "date", "timestamp", "timestamptz"},
	"DELTA":     {"int2", "int4", "int8", "date", "timestamp", "numeric"},
	"DELTA32K":  {"int4", "int8", "date", "timestamp", "numeric"},
	"LZO":       {"int2", "int4", "int8", "numeric", "bpchar", "varchar", "date", "timestamp", "timestamptz", "super"},
	"MOSTLY8":   {"int2", "int4", "int8", "numeric"},
	"MOSTLY16":  {"int4", "int8", "numeric"},
	"MOSTLY32":  {"int8", "numeric"},
	"RUNLENGTH": {"int2", "int4", "int8", "numeric", "float4", "float8", "bool", "bpchar", "varchar", "date", "timestamp", "timestamptz", "time", "timetz"},
	"TEXT255":   {"varchar"},
	"TEXT32K":   {"varchar"},
	"ZSTD":      {"int2", "int4", "int8", "numeric", "float4", "float8", "bool", "bpchar", "varchar", "date", "timestamp", "timestamptz", "time", "timetz", "super", "varbyte"},
}

// validateDDL checks the Redshift attributes against the table's columns
// (name: canonical type). create is false for ALTER TABLE.
func validateDDL(a *redshiftAttrs, cols map[string]string, create, columnsKnown bool) *SQLError {
	if !a.any {
		return nil
	}
	bad := func(code, msg string) *SQLError {
		return &SQLError{Code: code, Message: msg, Hint: "See " + docCreateTable + " (checked by the Redshift emulator)."}
	}
	exists := func(what, c string) *SQLError {
		if !columnsKnown {
			return nil
		}
		if _, ok := cols[c]; !ok {
			return bad("42703", fmt.Sprintf("column %q named in %s does not exist", c, what))
		}
		return nil
	}
	switch a.DistStyle {
	case "", "AUTO", "EVEN", "KEY", "ALL":
	default:
		return bad("42601", fmt.Sprintf("invalid DISTSTYLE %s: use AUTO, EVEN, KEY or ALL", a.DistStyle))
	}
	if len(a.DistKey) > 1 {
		return bad("42601", fmt.Sprintf("DISTKEY takes one column, not %d (%s)", len(a.DistKey), strings.Join(a.DistKey, ", ")))
	}
	dist := append(append([]string{}, a.DistKey...), a.ColDistKey...)
	if len(dist) > 1 {
		return bad("42601", "a table has at most one DISTKEY: "+strings.Join(dist, ", "))
	}
	if len(dist) == 1 {
		if err := exists("DISTKEY", dist[0]); err != nil {
			return err
		}
		if a.DistStyle != "" && a.DistStyle != "KEY" {
			return bad("42601", fmt.Sprintf("DISTSTYLE %s conflicts with DISTKEY: a DISTKEY implies DISTSTYLE KEY", a.DistStyle))
		}
	} else if a.DistStyle == "KEY" && create {
		return bad("42601", "DISTSTYLE KEY needs a DISTKEY column")
	}
	if len(a.SortKey) > 0 && len(a.ColSortKey) > 0 {
		return bad("42601", "a table's sort key is declared either on its columns or in a SORTKEY clause, not both")
	}
	if a.SortAuto && (len(a.SortKey) > 0 || len(a.ColSortKey) > 0) {
		return bad("42601", "SORTKEY AUTO takes no columns")
	}
	if a.SortKind != "" && len(a.SortKey) == 0 {
		return bad("42601", a.SortKind+" SORTKEY needs columns")
	}
	if a.SortKind == "INTERLEAVED" && len(a.SortKey) > 8 {
		return bad("54011", fmt.Sprintf("an INTERLEAVED SORTKEY has at most 8 columns, not %d", len(a.SortKey)))
	}
	if len(a.SortKey) > 400 {
		return bad("54011", fmt.Sprintf("a SORTKEY has at most 400 columns, not %d", len(a.SortKey)))
	}
	for _, c := range append(append([]string{}, a.SortKey...), a.ColSortKey...) {
		if err := exists("SORTKEY", c); err != nil {
			return err
		}
	}
	if a.TableEnc != "" && a.TableEnc != "AUTO" {
		return bad("42601", "ENCODE after the column list takes AUTO only, not "+a.TableEnc)
	}
	if a.TableEnc == "AUTO" && len(a.Encode) > 0 {
		return bad("42601", "ENCODE AUTO conflicts with a column's ENCODE")
	}
	for c, enc := range a.Encode {
		types, known := encodingTypes[enc]
		if !known {
			return &SQLError{Code: "42704", Message: fmt.Sprintf("invalid encoding type %q specified for column %q", strings.ToLower(enc), c),
				Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html (checked by the Redshift emulator)."}
		}
		typ, ok := cols[c]
		if !ok {
			if err := exists("ENCODE", c); err != nil {
				return err
			}
			continue
		}
		if types != nil && !contains(types, typ) {
			return &SQLError{Code: "0A000", Message: fmt.Sprintf("encoding %s is not supported for column %q of type %s", strings.ToLower(enc), c, typ),
				Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html (checked by the Redshift emulator)."}
		}
	}
	for c, args := range a.Identity {
		if typ, ok := cols[c]; ok && typ != "int4" && typ != "int8" {
			return bad("0A000", fmt.Sprintf("IDENTITY column %q must be INT or BIGINT, not %s", c, typ))
		}
		for _, v := range args {
			if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
				return bad("42601", fmt.Sprintf("IDENTITY(seed, step) takes integer constants, not %q", v))
			}
		}
		if strings.TrimSpace(args[1]) == "0" {
			return bad("22023", "IDENTITY step must not be 0")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
