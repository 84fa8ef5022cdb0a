package provision

import "errors"

// ErrNoCredentials means the AWS SDK found no credentials. It is the user's
// to fix (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web
// identity or an instance role), so the command line reports it as a usage
// error.
var ErrNoCredentials = errors.New("no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role")
