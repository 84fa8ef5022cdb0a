package source

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/awslog"
)

// S3Options are the job's own S3 settings; everything else (credentials,
// region, endpoint) comes from the AWS SDK's standard variables.
type S3Options struct {
	// Region is used when the SDK finds no region of its own (AWS_REGION).
	Region string
	// PathStyle selects path-style addressing, which emulators need.
	PathStyle bool
	// Timeout bounds connecting, the TLS handshake and the wait for a
	// response's first byte (0: the SDK's defaults). Pauses within a body
	// are the stores' watchdog's (Open's stall).
	Timeout time.Duration
}

// NewS3Client returns an S3 client configured the way the SDK's standard
// variables say (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, credentials, region).
// When the SDK finds no credentials at all, requests are sent unsigned:
// that reads public buckets such as udacity-dend, and anything else fails
// with AccessDenied, which the caller reports.
func NewS3Client(ctx context.Context, opts S3Options) (*s3.Client, error) {
	// The SDK's own messages go through slog, in the run's format.
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithLogger(awslog.New(nil)))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = opts.Region
	}
	if cfg.Credentials == nil {
		cfg.Credentials = aws.AnonymousCredentials{}
	} else if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	if opts.Timeout > 0 {
		cfg.HTTPClient = awshttp.NewBuildableClient().
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = opts.Timeout }).
			WithTransportOptions(func(t *http.Transport) {
				t.TLSHandshakeTimeout = opts.Timeout
				t.ResponseHeaderTimeout = opts.Timeout
			})
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = opts.PathStyle
		// Emulators send no checksums; the SDK would log that at every GET.
		o.DisableLogOutputChecksumValidationSkipped = true
	}), nil
}
