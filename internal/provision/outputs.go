package provision

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/sparkify/warehouse/internal/atomicfile"
)

// Outputs are what provision hands to the next phases.
type Outputs struct {
	DatabaseURL string // without the password
	RoleARN     string
	Endpoint    string
	Port        int
	// PasswordSecretARN is the Secrets Manager secret holding the master
	// password when AWS manages it.
	PasswordSecretARN string
}

// endpoint is where a cluster or workgroup takes connections, and the
// database and user the job connects as.
type endpoint struct {
	host   string
	port   int32
	user   string
	dbName string
	query  string // the connection parameters of the database URL
}

// outputs are the outputs of provisioning the endpoint: its database URL,
// without a password, and its address.
func (e endpoint) outputs(roleARN, passwordSecretARN string) Outputs {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(e.user),
		Host:     e.host + ":" + strconv.Itoa(int(e.port)),
		Path:     "/" + e.dbName,
		RawQuery: e.query,
	}
	return Outputs{
		DatabaseURL:       u.String(),
		RoleARN:           roleARN,
		Endpoint:          e.host,
		Port:              int(e.port),
		PasswordSecretARN: passwordSecretARN,
	}
}

// lines returns the outputs as KEY=value lines, in a fixed order, without
// quotes, so that both a shell (set -a; . file) and docker run --env-file
// read them.
func (o Outputs) lines() []string {
	l := []string{
		"SPARKIFY_DATABASE_URL=" + o.DatabaseURL,
		"SPARKIFY_IAM_ROLE_ARN=" + o.RoleARN,
		"SPARKIFY_REDSHIFT_ENDPOINT=" + o.Endpoint,
		"SPARKIFY_REDSHIFT_PORT=" + strconv.Itoa(o.Port),
	}
	if o.PasswordSecretARN != "" {
		l = append(l, "SPARKIFY_REDSHIFT_PASSWORD_SECRET_ARN="+o.PasswordSecretARN)
	}
	return l
}

// text is the outputs as KEY=value lines, each ending in a newline.
func (o Outputs) text() string { return strings.Join(o.lines(), "\n") + "\n" }

// Write writes the outputs to w as KEY=value lines.
func (o Outputs) Write(w io.Writer) error {
	_, err := io.WriteString(w, o.text())
	return err
}

// WriteFile writes the outputs to path as KEY=value lines, replacing the
// file atomically.
func (o Outputs) WriteFile(path string) error {
	if err := atomicfile.WriteFile(path, []byte(o.text()), 0o644); err != nil {
		return fmt.Errorf("write outputs (SPARKIFY_OUTPUT_FILE): %w", err)
	}
	return nil
}
