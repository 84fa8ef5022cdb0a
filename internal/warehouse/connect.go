package warehouse

import (
	"context"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// ConnConfig parses a database URL for the target. For Redshift, TLS is
// required unless the URL sets sslmode itself, and queries use the simple
// protocol: the job sends no bind parameters, and Redshift's older protocol
// implementation then needs nothing it lacks (no statement preparation, no
// type lookups).
func ConnConfig(target, databaseURL string) (*pgx.ConnConfig, error) {
	if target == Redshift {
		if u, err := url.Parse(databaseURL); err == nil && u.Query().Get("sslmode") == "" {
			q := u.Query()
			q.Set("sslmode", "require")
			u.RawQuery = q.Encode()
			databaseURL = u.String()
		}
	}
	cc, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	if target == Redshift {
		cc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	cc.RuntimeParams["application_name"] = "sparkify-job"
	return cc, nil
}

// Connect opens one connection to the warehouse.
func Connect(ctx context.Context, target, databaseURL string) (*pgx.Conn, error) {
	cc, err := ConnConfig(target, databaseURL)
	if err != nil {
		return nil, err
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
