package source

import (
	"fmt"
	"strings"
)

// Location is a parsed source location: s3://bucket/prefix or
// file:///absolute/dir (a prefix, too: it may end in the start of a file
// name). The zero Location means "not set".
type Location struct {
	Scheme string // "s3" or "file"
	Bucket string // s3 only
	Path   string // key prefix (s3, no leading slash) or absolute path (file)
}

// ParseLocation parses s3://bucket[/prefix] or file:///absolute/dir.
// Control characters are refused anywhere in the URI: a newline would
// otherwise end a statement in a printed plan.
func ParseLocation(s string) (Location, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return Location{}, fmt.Errorf("%q holds a control character (byte %d): remove it", s, i)
		}
	}
	switch {
	case strings.HasPrefix(s, "s3://"):
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(s, "s3://"), "/")
		if !validBucket(bucket) {
			return Location{}, fmt.Errorf("%q is not s3://bucket/prefix: %q is not a valid bucket name", s, bucket)
		}
		return Location{Scheme: "s3", Bucket: bucket, Path: prefix}, nil
	case strings.HasPrefix(s, "file://"):
		p := strings.TrimPrefix(s, "file://")
		if !strings.HasPrefix(p, "/") {
			return Location{}, fmt.Errorf("%q is not file:///absolute/dir: the path must be absolute", s)
		}
		return Location{Scheme: "file", Path: p}, nil
	}
	return Location{}, fmt.Errorf("%q is neither s3://bucket/prefix nor file:///dir", s)
}

// Decode parses the value of an environment variable (envconfig.Decoder).
func (l *Location) Decode(s string) error {
	loc, err := ParseLocation(s)
	if err != nil {
		return err
	}
	*l = loc
	return nil
}

// IsZero reports whether the location is unset.
func (l Location) IsZero() bool { return l == Location{} }

func (l Location) String() string {
	switch l.Scheme {
	case "s3":
		return "s3://" + l.Bucket + "/" + l.Path
	case "file":
		return "file://" + l.Path
	}
	return ""
}

// validBucket follows the S3 bucket naming rules: 3 to 63 characters,
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i, r := range b {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '.') && i > 0 && i < len(b)-1:
		default:
			return false
		}
	}
	return true
}
