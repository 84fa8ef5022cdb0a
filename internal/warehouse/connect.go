package warehouse

import (
	"context"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// ConnConfig parses a database URL for the target, with the settings its
// engine needs (Redshift: TLS verified unless the URL says otherwise, and
// the extended protocol).
func ConnConfig(target Target, databaseURL string) (*pgx.ConnConfig, error) {
	e, err := newEngine(target)
	if err != nil {
		return nil, err
	}
	cc, err := e.parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if cc.ConnectTimeout == 0 {
		// A server that accepts the connection and then says nothing
		// would otherwise hold the job until the pod's deadline.
		cc.ConnectTimeout = DefaultConnectTimeout
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
// returned as it is. NewSession makes it the Session a load runs on.
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
