package source

import (
	"errors"
	"io/fs"
	"net"
	"os"

	"github.com/aws/smithy-go"
)

// The errors of this package that callers inspect.
var (
	// ErrNoObjects means a location holds no .json object.
	ErrNoObjects = errors.New("no .json objects found")
	// ErrStalled means an object (or a file) sent no data for the stall
	// timeout: a peer that stopped answering.
	ErrStalled = errors.New("stalled: no data within the timeout (SPARKIFY_S3_TIMEOUT)")
)

// ObjectError is a failure to fetch or read one object: access, transport
// or a stalled peer, never its content (that is a RecordError).
type ObjectError struct {
	URI string
	Err error
}

func (e *ObjectError) Error() string { return e.URI + ": " + e.Err.Error() }

func (e *ObjectError) Unwrap() error { return e.Err }

// Unreachable explains, for a user to act on, an error that means the
// location cannot be read at all and will not be readable on a retry (no
// bucket, no access, an endpoint host that does not exist, no directory);
// it returns "" for other errors, transient ones included (a refused or
// reset connection, a timeout, a 5xx).
func Unreachable(err error) string {
	var apiErr smithy.APIError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "NoSuchBucket":
			return "the bucket does not exist"
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "Forbidden":
			return "access denied (" + apiErr.ErrorCode() + "); check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...) and their S3 permissions"
		}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound && CustomEndpoint():
		// A host the user named. AWS's own endpoints always resolve: a
		// name of theirs that does not is a resolver's hiccup, transient.
		return "the S3 endpoint's host does not exist (" + err.Error() + "); check AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL"
	case errors.Is(err, fs.ErrNotExist):
		return "the directory does not exist"
	}
	return ""
}

// CustomEndpoint reports whether the S3 endpoint is one the user set
// (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) rather than AWS's own.
func CustomEndpoint() bool {
	return os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
}
