package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"syscall"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

func TestTransient(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("stage staging_events: %w", err) }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"lock wait timed out", wrap(warehouse.ErrLockTimeout), true},
		{"stalled object", wrap(&source.ObjectError{URI: "s3://b/k.json", Err: source.ErrStalled}), true},
		{"backend terminated", wrap(&pgconn.PgError{Code: "57P01"}), true},
		{"connection failure", wrap(&pgconn.PgError{Code: "08006"}), true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"connection refused", wrap(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{"connection reset mid-body", wrap(&source.ObjectError{URI: "s3://b/k.json", Err: syscall.ECONNRESET}), true},
		{"truncated body", wrap(io.ErrUnexpectedEOF), true},
		{"S3 throttling", wrap(&smithy.GenericAPIError{Code: "SlowDown"}), true},
		{"deadline", wrap(context.DeadlineExceeded), true},
		{"connection closed under a statement", wrap(fmt.Errorf("sql/shared/transform/02_songs.sql: %w", pgconn.ErrConnClosed)), true},
		{"use of closed network connection", wrap(&net.OpError{Op: "read", Err: net.ErrClosed}), true},
		{"database lost mid-load", fmt.Errorf("%w postgres://h/db mid-load: %w", errDatabaseLost, io.EOF), true},
		{"read-only after a failover", wrap(&pgconn.PgError{Code: "25006"}), true},
		{"cancelled by an administrator or a timeout", wrap(&pgconn.PgError{Code: "57014"}), true},
		{"lock timeout", wrap(&pgconn.PgError{Code: "55P03"}), true},
		{"S3 object deleted after listing", wrap(&source.ObjectError{URI: "s3://b/k.json", Err: &smithy.GenericAPIError{Code: "NoSuchKey"}}), true},
		{"file deleted after listing", wrap(&source.ObjectError{URI: "file:///d/k.json", Err: fs.ErrNotExist}), true},
		{"no such bucket", wrap(&smithy.GenericAPIError{Code: "NoSuchBucket"}), false},
		{"syntax error", wrap(&pgconn.PgError{Code: "42601"}), false},
		{"check failed", wrap(&warehouse.CheckError{Check: "x"}), false},
		{"access denied", wrap(&smithy.GenericAPIError{Code: "AccessDenied"}), false},
		{"malformed records", wrap(&source.TooManyErrors{}), false},
	}
	for _, tt := range tests {
		if got := transient(tt.err); got != tt.want {
			t.Errorf("%s: transient = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestConnectionUnusable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"host not found", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, true},
		{"wrong password", &pgconn.PgError{Code: "28P01"}, true},
		{"no such database", &pgconn.PgError{Code: "3D000"}, true},
		{"unknown CA", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), true},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, false},
		{"server starting", &pgconn.PgError{Code: "57P03"}, false},
		{"timeout", fmt.Errorf("connect: %w", context.DeadlineExceeded), false},
		{"something else", errors.New("odd"), true},
	}
	for _, tt := range tests {
		if got := connectionUnusable(tt.err); got != tt.want {
			t.Errorf("%s: connectionUnusable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestS3HostNotFound: a host that does not resolve is the user's to fix
// when they named it (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL); AWS's own
// endpoint always resolves, so there it is a resolver's hiccup: transient.
func TestS3HostNotFound(t *testing.T) {
	loc := source.Location{Scheme: "s3", Bucket: "sparkify", Path: "song_data"}
	tests := []struct {
		name, variable, endpoint string
		host                     string
		class                    string
		code                     int
	}{
		{"AWS's own endpoint", "", "", "sparkify.s3.us-east-1.amazonaws.com", classTransient, ExitTransient},
		{"the user's S3 endpoint", "AWS_ENDPOINT_URL_S3", "http://s3emulatr:9000", "s3emulatr", classConfiguration, ExitUsage},
		{"the user's endpoint for every service", "AWS_ENDPOINT_URL", "http://minio.local:9000", "minio.local", classConfiguration, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_S3", "")
			t.Setenv("AWS_ENDPOINT_URL", "")
			if tt.variable != "" {
				t.Setenv(tt.variable, tt.endpoint)
			}
			err := sourceError("SONG_DATA", loc, fmt.Errorf("list s3://sparkify/song_data: %w",
				&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: tt.host, IsNotFound: true}}))
			class, code := classify(context.Background(), err)
			if class != tt.class || code != tt.code {
				t.Errorf("%v: class %s, exit %d; want %s, %d", err, class, code, tt.class, tt.code)
			}
		})
	}
}
