package warehouse

import (
	"fmt"
	"regexp"
	"strings"
)

// LiteralKind is the grammar a COPY literal must follow.
type LiteralKind int

// Literal kinds.
const (
	S3URI   LiteralKind = iota // s3://bucket/key-prefix
	RoleARN                    // arn:aws:iam::123456789012:role/path/name
	Region                     // us-west-2
)

var (
	// S3 bucket naming rules; keys limited to S3's "safe characters"
	// (without the quote), which every key of the public dataset uses.
	s3URIRe = regexp.MustCompile(`^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.*()/=+,@:-]*)?$`)
	// IAM role ARNs: partition, 12-digit account, role path and name.
	roleARNRe = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	// AWS region names such as us-west-2, us-gov-east-1, cn-north-1.
	regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)
)

// Literal validates value against the grammar of kind and returns it as a
// single-quoted SQL literal. It is the only way a configured value enters a
// statement that cannot take bind parameters (Redshift COPY). A value that
// does not follow its grammar is a *ValueError naming the option (a field
// of Options).
func Literal(option string, kind LiteralKind, value string) (string, error) {
	var re *regexp.Regexp
	var form string
	switch kind {
	case S3URI:
		re, form = s3URIRe, "s3://bucket/prefix (letters, digits and ! _ . * ( ) / = + , @ : - in the key)"
	case RoleARN:
		re, form = roleARNRe, "arn:aws:iam::<12-digit account>:role/<name>"
	case Region:
		re, form = regionRe, "an AWS region such as us-west-2"
	default:
		return "", fmt.Errorf("unknown literal kind %d", kind)
	}
	if !re.MatchString(value) {
		if value == "" {
			return "", &ValueError{Option: option, Msg: "is required for the redshift target: set it to " + form}
		}
		return "", &ValueError{Option: option, Msg: fmt.Sprintf("%q is not %s", value, form)}
	}
	// The grammars admit no quote and no backslash; doubling quotes keeps
	// the literal closed even if a grammar were ever widened by mistake.
	return "'" + strings.ReplaceAll(value, "'", "''") + "'", nil
}

// ValueError is an option value the load cannot use. Option is the name of
// the field of Options; the caller names the setting behind it.
type ValueError struct {
	Option string
	Msg    string
}

func (e *ValueError) Error() string { return e.Option + ": " + e.Msg }
