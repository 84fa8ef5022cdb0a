package redshiftemu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CopyCommand is a parsed Redshift COPY ... FROM 's3://...' statement
// (https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html).
type CopyCommand struct {
	Table   string   // table name as written (identifier syntax kept), e.g. public."T"
	Columns []string // column list (folded names), nil if none
	From    string   // s3://bucket/key-prefix

	IAMRole        string // IAM_ROLE 'arn' ("default" for IAM_ROLE DEFAULT)
	Credentials    string // CREDENTIALS 'aws_iam_role=...' or 'aws_access_key_id=...;...'
	AccessKeyID    string
	SecretKey      string
	SessionToken   string
	Region         string
	JSON           string // 'auto', 'auto ignorecase' or 's3://jsonpaths'; "" = not JSON
	TimeFormat     string // "" = default ('auto' behaviour for strings)
	MaxError       int
	MaxErrorSet    bool
	CompUpdate     string
	StatUpdate     string
	Manifest       bool
	TruncateCols   bool
	AcceptInvChars bool
	InvCharReplace byte // replacement for ACCEPTINVCHARS, default '?'
	GZIP           bool
}

// maxErrorLimit is MAXERROR's documented upper limit
// (copy-parameters-data-load.html: "The upper limit is 100000"); a larger
// value is lowered to it (assumption: Redshift documents the limit, not
// whether it errors or clamps).
const maxErrorLimit = 100000

var roleARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)

func copyErr(code, format string, args ...any) *SQLError {
	return &SQLError{Code: code, Message: fmt.Sprintf(format, args...), Hint: "See " + docCopy}
}

// ParseCopy parses a COPY statement. Forms Redshift does not have (FROM
// STDIN, TO) are rejected with 0A000; sources and options the emulator does
// not implement are rejected with 0A000 naming them.
func ParseCopy(sql string) (*CopyCommand, *SQLError) {
	sig := significant(lex(sql))
	if !isWord(at(sig, 0), "COPY") {
		return nil, copyErr("42601", "not a COPY statement")
	}
	cmd := &CopyCommand{InvCharReplace: '?'}
	i := 1
	// table name
	start := i
	if t := at(sig, i); t.kind != tkWord && t.kind != tkQIdent {
		return nil, copyErr("42601", "syntax error at or near %q", t.text)
	}
	i++
	for isPunct(at(sig, i), ".") {
		i += 2
	}
	cmd.Table = sql[sig[start].start:sig[i-1].end]
	if isPunct(at(sig, i), "(") {
		end := matchParen(sig, i)
		for j := i + 1; j < end; j++ {
			t := sig[j]
			if t.kind == tkWord || t.kind == tkQIdent {
				cmd.Columns = append(cmd.Columns, identName(t))
			} else if !isPunct(t, ",") {
				return nil, copyErr("42601", "syntax error at or near %q", t.text)
			}
		}
		i = end + 1
	}
	switch {
	case isWord(at(sig, i), "TO"):
		return nil, unsupported("COPY ... TO (use UNLOAD)", docCopy)
	case !isWord(at(sig, i), "FROM"):
		return nil, copyErr("42601", "syntax error at or near %q", at(sig, i).text)
	}
	i++
	src := at(sig, i)
	if isWord(src, "STDIN") {
		return nil, unsupported("COPY ... FROM STDIN", docCopy)
	}
	if src.kind != tkString {
		return nil, copyErr("42601", "syntax error at or near %q", src.text)
	}
	cmd.From = unquoteString(src)
	if !strings.HasPrefix(cmd.From, "s3://") {
		return nil, &SQLError{Code: "0A000", Message: fmt.Sprintf("COPY from %q is not supported by the Redshift emulator: it loads from s3:// only", cmd.From), Hint: "See " + docCopy}
	}
	i++

	str := func(opt string) (string, *SQLError) {
		if isWord(at(sig, i), "AS") {
			i++
		}
		t := at(sig, i)
		if t.kind != tkString {
			return "", copyErr("42601", "%s needs a quoted argument, found %q", opt, t.text)
		}
		i++
		return unquoteString(t), nil
	}
	onoff := func() string {
		if isWord(at(sig, i), "ON", "OFF", "TRUE", "FALSE", "PRESET") {
			v := at(sig, i).up
			i++
			return v
		}
		return "ON"
	}
	var err *SQLError
	for i < len(sig) {
		t := sig[i]
		if isPunct(t, ",") {
			i++
			continue
		}
		if t.kind != tkWord {
			return nil, copyErr("42601", "syntax error at or near %q", t.text)
		}
		i++
		switch t.up {
		case "IAM_ROLE":
			if isWord(at(sig, i), "DEFAULT") {
				cmd.IAMRole = "default"
				i++
				break
			}
			cmd.IAMRole, err = str("IAM_ROLE")
		case "CREDENTIALS", "WITH":
			if t.up == "WITH" {
				if !isWord(at(sig, i), "CREDENTIALS") {
					return nil, copyErr("42601", "syntax error at or near %q", t.text)
				}
				i++
			}
			cmd.Credentials, err = str("CREDENTIALS")
		case "ACCESS_KEY_ID":
			cmd.AccessKeyID, err = str("ACCESS_KEY_ID")
		case "SECRET_ACCESS_KEY":
			cmd.SecretKey, err = str("SECRET_ACCESS_KEY")
		case "SESSION_TOKEN":
			cmd.SessionToken, err = str("SESSION_TOKEN")
		case "REGION":
			cmd.Region, err = str("REGION")
		case "FORMAT":
			if isWord(at(sig, i), "AS") {
				i++
			}
			f := at(sig, i)
			if !isWord(f, "JSON") {
				return nil, &SQLError{Code: "0A000", Message: fmt.Sprintf("COPY FORMAT %s is not supported by the Redshift emulator: it loads JSON only", f.text), Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html"}
			}
			i++
			cmd.JSON, err = str("JSON")
		case "JSON":
			cmd.JSON, err = str("JSON")
		case "TIMEFORMAT":
			cmd.TimeFormat, err = str("TIMEFORMAT")
		case "MAXERROR":
			if isWord(at(sig, i), "AS") {
				i++
			}
			n := at(sig, i)
			v, perr := strconv.Atoi(n.text)
			if n.kind != tkNumber || perr != nil || v < 0 {
				return nil, copyErr("42601", "MAXERROR needs a non-negative integer, found %q", n.text)
			}
			i++
			cmd.MaxError = min(v, maxErrorLimit)
			cmd.MaxErrorSet = true
		case "COMPUPDATE":
			cmd.CompUpdate = onoff()
		case "STATUPDATE":
			cmd.StatUpdate = onoff()
		case "MANIFEST":
			cmd.Manifest = true
		case "TRUNCATECOLUMNS":
			cmd.TruncateCols = true
		case "GZIP":
			cmd.GZIP = true
		case "ACCEPTINVCHARS":
			cmd.AcceptInvChars = true
			if isWord(at(sig, i), "AS") || at(sig, i).kind == tkString {
				var c string
				c, err = str("ACCEPTINVCHARS")
				if err == nil {
					if len(c) != 1 || c[0] >= 0x80 {
						return nil, copyErr("22023", "ACCEPTINVCHARS replacement must be a single ASCII character, found %q", c)
					}
					cmd.InvCharReplace = c[0]
				}
			}
		default:
			return nil, &SQLError{Code: "0A000", Message: fmt.Sprintf("COPY option %s is not supported by the Redshift emulator", t.up), Hint: "The emulator implements IAM_ROLE, CREDENTIALS, ACCESS_KEY_ID/SECRET_ACCESS_KEY, REGION, FORMAT AS JSON, TIMEFORMAT, MAXERROR, COMPUPDATE, STATUPDATE, MANIFEST, TRUNCATECOLUMNS, ACCEPTINVCHARS and GZIP; see " + docCopy}
		}
		if err != nil {
			return nil, err
		}
	}
	if cmd.JSON == "" {
		return nil, &SQLError{Code: "0A000", Message: "COPY without FORMAT AS JSON is not supported by the Redshift emulator: it loads JSON only", Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html"}
	}
	switch strings.ToLower(cmd.JSON) {
	case "auto", "auto ignorecase":
		cmd.JSON = strings.ToLower(cmd.JSON)
	default:
		if !strings.HasPrefix(cmd.JSON, "s3://") {
			return nil, copyErr("22023", "JSON option must be 'auto', 'auto ignorecase' or an s3:// jsonpaths file, found '%s'", cmd.JSON)
		}
	}
	switch tf := strings.ToLower(cmd.TimeFormat); tf {
	case "", "auto", "epochsecs", "epochmillisecs":
		cmd.TimeFormat = tf
	}
	// Authorization (copy-parameters-authorization.html).
	switch {
	case cmd.IAMRole != "":
		if cmd.IAMRole != "default" && !roleARN.MatchString(cmd.IAMRole) {
			// Assumption: the exact Redshift wording for a malformed ARN is
			// not documented.
			return nil, copyErr("22023", "IAM_ROLE '%s' is not a valid IAM role ARN (expected arn:aws:iam::<12-digit account id>:role/<role name>)", cmd.IAMRole)
		}
	case cmd.Credentials != "":
	case cmd.AccessKeyID != "" && cmd.SecretKey != "":
	default:
		// Assumption: Redshift's wording for a COPY without authorization
		// is not documented.
		return nil, &SQLError{Code: "42601", Message: "COPY from Amazon S3 needs authorization: IAM_ROLE, CREDENTIALS, or ACCESS_KEY_ID and SECRET_ACCESS_KEY", Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-authorization.html"}
	}
	if strings.HasPrefix(strings.ToLower(cmd.Credentials), "aws_iam_role=") {
		role := cmd.Credentials[len("aws_iam_role="):]
		if !roleARN.MatchString(role) {
			return nil, copyErr("22023", "aws_iam_role '%s' in CREDENTIALS is not a valid IAM role ARN", role)
		}
		cmd.IAMRole = role
	}
	return cmd, nil
}

// splitS3URI splits s3://bucket/key into bucket and key.
func splitS3URI(uri string) (bucket, key string, ok bool) {
	rest, found := strings.CutPrefix(uri, "s3://")
	if !found {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, bucket != ""
}
