package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// Exit codes. An orchestrator fails the run for good on ExitUsage and
// ExitFailed, and retries it on ExitTransient and ExitInterrupted.
const (
	ExitOK        = 0
	ExitFailed    = 1  // the work failed; nothing half-written
	ExitUsage     = 2  // usage or configuration error: fix the named variable
	ExitTransient = 75 // a peer was down, stalled or busy: run it again (EX_TEMPFAIL)
	// ExitInterrupted: SIGTERM or SIGINT stopped the run, which committed
	// nothing: run it again. 143 is 128 + SIGTERM, the code a shell reports
	// for a process SIGTERM ended, and what Kubernetes shows for a pod
	// stopped during a drain; distinct from 75 so that alerts and the run
	// result tell an interruption from a peer's failure.
	ExitInterrupted = 143
)

// errDatabaseLost marks a load whose database connection closed under it:
// the server crashed, was stopped or failed over, or the network dropped
// the connection. Nothing was committed, and a re-run can succeed.
var errDatabaseLost = errors.New("lost the connection to the database")

// ExitCodes lists every exit code the job documents, with its meaning.
var ExitCodes = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "done"},
	{ExitFailed, "the work failed (nothing half-written)"},
	{ExitUsage, "usage or configuration error"},
	{ExitTransient, "a peer was down, stalled or busy (run it again)"},
	{ExitInterrupted, "SIGTERM or SIGINT stopped it; nothing was committed (run it again)"},
}

// transient reports whether err comes from a peer that failed for now,
// judged by what failed, not by the presence of some network error in the
// chain: a database or S3 connection refused, reset or lost, a timeout or a
// stall, S3 throttling or a 5xx after the SDK's retries, the server shutting
// down or refusing connections, or the wait for another load's lock.
func transient(err error) bool {
	var pgErr *pgconn.PgError
	var apiErr smithy.APIError
	var respErr *awshttp.ResponseError
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return false
	case errors.Is(err, warehouse.ErrLockTimeout), errors.Is(err, source.ErrStalled), errors.Is(err, errDatabaseLost):
		return true
	case vanished(err):
		return true
	case pgconn.SafeToRetry(err), pgconn.Timeout(err):
		// pgx's own judgement: nothing reached the server, or a timeout
		// or the context's deadline ended the statement.
		return true
	case errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, net.ErrClosed):
		// The connection was closed under a statement: the server went
		// away (pgx's "conn closed", "use of closed network connection").
		return true
	case errors.As(err, &pgErr):
		// 08: connection exception; 57P01-03: the server shutting down or
		// starting; 53300: too many connections; 40001: a serialization
		// failure (Redshift's concurrent transactions); 25006: a read-only
		// transaction (a standby, just after a failover); 57014: a
		// statement cancelled by an administrator or a statement timeout;
		// 55P03: a lock timeout.
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300", "40001", "25006", "57014", "55P03":
			return true
		}
		return pgErr.Code[:2] == "08"
	case errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500:
		return true
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable":
			return true
		}
		return false
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &dnsErr) && !source.CustomEndpoint():
		// AWS's own S3 endpoint did not resolve: a resolver's hiccup (one
		// the user named that does not exist is a configuration error).
		return true
	case errors.As(err, &netErr) && netErr.Timeout():
		return true
	}
	var maxAttempts *retry.MaxAttemptsError
	return errors.As(err, &maxAttempts)
}

// vanished reports whether a source object that was listed was gone when
// the load read it: deleted meanwhile, so a re-run, which lists again,
// does not see it.
func vanished(err error) bool {
	var oe *source.ObjectError
	if !errors.As(err, &oe) {
		return false
	}
	var apiErr smithy.APIError
	return errors.Is(err, fs.ErrNotExist) || (errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchKey")
}

// connectionUnusable reports whether a connect error is the user's to fix
// rather than the network's: the host does not exist, the server refused
// the login or the database, or its certificate did not verify.
func connectionUnusable(err error) bool {
	var pgErr *pgconn.PgError
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &pgErr):
		return !transient(err)
	case errors.As(err, &dnsErr):
		return dnsErr.IsNotFound
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		return true
	}
	return !transient(err)
}
