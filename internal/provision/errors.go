package provision

import "errors"

// ErrNoCredentials means the AWS SDK found no credentials. It is the user's
// to fix (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web
// identity or an instance role), so the command line reports it as a usage
// error.
var ErrNoCredentials = errors.New("no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role")

// SettingError is a setting the user must fix. Setting is the name of the
// config.Config field the value came from (ClusterID, IngressCIDR, …), as
// warehouse.ValueError names its option; the command line turns it into the
// variable's name.
//
// Msg says what is wrong and the fix. Where it names another setting it
// writes the field's name in braces: {AllowPublic} stands for the variable's
// full name, {SongData:short} for its name without the prefix. The command
// line, which knows the variables, fills them in.
type SettingError struct {
	Setting string
	Msg     string
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Msg }
