package warehouse

import (
	"context"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// ConnConfig parses a database URL for the target.
//
// For Redshift:
//   - TLS with the server's certificate verified against the system roots
//     (sslmode=verify-full) unless the URL sets sslmode itself; the roots of
//     the certificate store hold the CAs that issue Redshift's certificates.
//   - Queries use the extended protocol with text results and no statement
//     cache (pgx.QueryExecModeExec). Redshift reports neither
//     standard_conforming_strings nor client_encoding UTF8, and pgx refuses
//     every simple-protocol Query without them; the extended protocol
//     depends on neither, and needs no type lookups. Exec without
//     arguments still goes as a simple Query message, which is fine.
func ConnConfig(target Target, databaseURL string) (*pgx.ConnConfig, error) {
	if target == Redshift {
		if u, err := url.Parse(databaseURL); err == nil && u.Query().Get("sslmode") == "" {
			q := u.Query()
			q.Set("sslmode", "verify-full")
			u.RawQuery = q.Encode()
			databaseURL = u.String()
		}
	}
	cc, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	if cc.ConnectTimeout == 0 {
		// A server that accepts the connection and then says nothing
		// would otherwise hold the job until the pod's deadline.
		cc.ConnectTimeout = DefaultConnectTimeout
	}
	if target == Redshift {
		cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["application_name"] = "sparkify-job"
	return cc, nil
}

// DefaultConnectTimeout bounds connecting and logging in, unless the URL
// sets connect_timeout.
const DefaultConnectTimeout = 30 * time.Second

// ConnectOption changes the connection's configuration before it is
// opened (for example its user and password).
type ConnectOption func(ctx context.Context, cc *pgx.ConnConfig) error

// Connect opens one connection to the warehouse. An option's error is
// returned as it is.
func Connect(ctx context.Context, target Target, databaseURL string, opts ...ConnectOption) (*pgx.Conn, error) {
	cc, err := ConnConfig(target, databaseURL)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o(ctx, cc); err != nil {
			return nil, err
		}
	}
	return pgx.ConnectConfig(ctx, cc)
}

// Redact returns the database URL with its password replaced, for logs and
// dry runs. Anything that is not a postgres:// URL is not shown at all.
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return "(not a postgres:// URL; not shown)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
