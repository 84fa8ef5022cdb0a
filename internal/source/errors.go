package source

import (
	"errors"
	"io/fs"
	"net"

	"github.com/aws/smithy-go"
)

// Unreachable explains, for a user to act on, an error that means the
// location cannot be read at all (no bucket, no access, no endpoint, no
// directory); it returns "" for other errors.
func Unreachable(err error) string {
	var apiErr smithy.APIError
	var netErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "NoSuchBucket":
			return "the bucket does not exist"
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken":
			return "access denied (" + apiErr.ErrorCode() + "); check the AWS credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...) and their S3 permissions"
		}
	case errors.As(err, &dnsErr), errors.As(err, &netErr):
		return "the S3 endpoint cannot be reached (" + err.Error() + "); check AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL and the network"
	case errors.Is(err, fs.ErrNotExist):
		return "the directory does not exist"
	}
	return ""
}
