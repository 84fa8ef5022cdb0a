package redshiftemu

import "strings"

// tokKind classifies a lexical token of SQL text.
type tokKind int

const (
	tkWord    tokKind = iota // unquoted identifier or keyword
	tkQIdent                 // "quoted identifier"
	tkString                 // 'literal', E'literal'
	tkDollar                 // $tag$ body $tag$
	tkNumber                 // 123, 1.5e3
	tkOp                     // operator: + - * / < > = ~ ! @ # % ^ & | ` ? ::
	tkPunct                  // ( ) [ ] , ; . :
	tkParam                  // $1
	tkSpace                  // whitespace
	tkComment                // -- or /* */
)

// token is one lexical token; start and end are byte offsets in the source.
type token struct {
	kind       tokKind
	start, end int
	text       string // source text
	up         string // upper-cased text, for tkWord
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isWordChar(c byte) bool { return isWordStart(c) || (c >= '0' && c <= '9') || c == '$' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

const opChars = "+-*/<>=~!@#%^&|`?"

// lex splits SQL text into tokens, skipping nothing: string literals, quoted
// identifiers, comments and dollar-quoted bodies are single tokens, so that
// keyword checks never look inside them. Unterminated constructs run to the
// end of the text.
func lex(s string) []token {
	var toks []token
	i := 0
	add := func(k tokKind, start, end int) {
		t := token{kind: k, start: start, end: end, text: s[start:end]}
		if k == tkWord {
			t.up = strings.ToUpper(t.text)
		}
		toks = append(toks, t)
	}
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			for i < len(s) && strings.IndexByte(" \t\n\r\f\v", s[i]) >= 0 {
				i++
			}
			add(tkSpace, start, i)
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			add(tkComment, start, i)
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			depth := 0
			for i < len(s) {
				if i+1 < len(s) && s[i] == '/' && s[i+1] == '*' {
					depth++
					i += 2
					continue
				}
				if i+1 < len(s) && s[i] == '*' && s[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
					continue
				}
				i++
			}
			add(tkComment, start, i)
		case (c == 'e' || c == 'E') && i+1 < len(s) && s[i+1] == '\'':
			i = scanString(s, i+1, true)
			add(tkString, start, i)
		case c == '\'':
			i = scanString(s, i, false)
			add(tkString, start, i)
		case c == '"':
			i++
			for i < len(s) {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
			add(tkQIdent, start, i)
		case c == '$':
			if i+1 < len(s) && isDigit(s[i+1]) {
				i++
				for i < len(s) && isDigit(s[i]) {
					i++
				}
				add(tkParam, start, i)
				break
			}
			j := i + 1
			for j < len(s) && s[j] != '$' && isWordChar(s[j]) && s[j] != '$' {
				j++
			}
			if j < len(s) && s[j] == '$' && (j == i+1 || isWordStart(s[i+1])) {
				tag := s[i : j+1]
				k := strings.Index(s[j+1:], tag)
				if k < 0 {
					i = len(s)
				} else {
					i = j + 1 + k + len(tag)
				}
				add(tkDollar, start, i)
				break
			}
			i++
			add(tkOp, start, i)
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
				if s[i] == '.' && i+1 < len(s) && s[i+1] == '.' {
					break
				}
				i++
			}
			if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
				j := i + 1
				if j < len(s) && (s[j] == '+' || s[j] == '-') {
					j++
				}
				if j < len(s) && isDigit(s[j]) {
					i = j
					for i < len(s) && isDigit(s[i]) {
						i++
					}
				}
			}
			add(tkNumber, start, i)
		case isWordStart(c):
			for i < len(s) && isWordChar(s[i]) {
				i++
			}
			add(tkWord, start, i)
		case c == ':' && i+1 < len(s) && s[i+1] == ':':
			i += 2
			add(tkOp, start, i)
		case strings.IndexByte("()[],;.:", c) >= 0:
			i++
			add(tkPunct, start, i)
		case strings.IndexByte(opChars, c) >= 0:
			for i < len(s) && strings.IndexByte(opChars, s[i]) >= 0 {
				if i > start && i+1 < len(s) && ((s[i] == '-' && s[i+1] == '-') || (s[i] == '/' && s[i+1] == '*')) {
					break
				}
				i++
			}
			add(tkOp, start, i)
		default:
			i++
			add(tkOp, start, i)
		}
	}
	return toks
}

// scanString scans a '...' literal starting at the quote at i and returns the
// offset after it. backslash selects the escapes of E'...' literals.
func scanString(s string, i int, backslash bool) int {
	i++
	for i < len(s) {
		switch {
		case backslash && s[i] == '\\':
			i += 2
			continue
		case s[i] == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(s)
}

// significant returns the tokens that are neither whitespace nor comments.
func significant(toks []token) []token {
	out := make([]token, 0, len(toks))
	for _, t := range toks {
		if t.kind != tkSpace && t.kind != tkComment {
			out = append(out, t)
		}
	}
	return out
}

// splitStatements splits SQL text at top-level semicolons. Each statement
// keeps its own text (without the semicolon); statements that hold only
// whitespace and comments are dropped.
func splitStatements(s string) []string {
	toks := lex(s)
	var out []string
	start := 0
	flush := func(end int) {
		part := s[start:end]
		if len(significant(lex(part))) > 0 {
			out = append(out, part)
		}
	}
	for _, t := range toks {
		if t.kind == tkPunct && t.text == ";" {
			flush(t.start)
			start = t.end
		}
	}
	flush(len(s))
	return out
}

// unquoteString returns the value of a string literal token.
func unquoteString(t token) string {
	s := t.text
	if t.kind != tkString {
		return s
	}
	esc := false
	if s[0] == 'e' || s[0] == 'E' {
		esc = true
		s = s[1:]
	}
	if len(s) >= 2 && s[len(s)-1] == '\'' {
		s = s[1 : len(s)-1]
	} else if len(s) >= 1 {
		s = s[1:]
	}
	if !esc {
		return strings.ReplaceAll(s, "''", "'")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' && i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// identName returns the name an identifier token denotes: unquoted names fold
// to lower case, quoted ones keep their case.
func identName(t token) string {
	if t.kind == tkQIdent {
		s := t.text
		if len(s) >= 2 {
			s = s[1 : len(s)-1]
		}
		return strings.ReplaceAll(s, `""`, `"`)
	}
	return strings.ToLower(t.text)
}
