package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/smithy-go"
)

// AWS provisions and tears down the redshift target's resources.
type AWS struct {
	IAM      *iam.Client
	Redshift *redshift.Client
	EC2      *ec2.Client
	Log      *slog.Logger

	// PollMinDelay and PollMaxDelay bound the delay between two
	// DescribeClusters calls of the waiters; zero means the SDK's defaults
	// (60 s and 120 s). Tests make them small.
	PollMinDelay, PollMaxDelay time.Duration
	// RoleSettleDelay is the pause between CreateCluster attempts while IAM
	// propagates a role created in the same run; zero means 10 s.
	RoleSettleDelay time.Duration
	// Now gives the time for the final snapshot's name; nil means time.Now.
	Now func() time.Time
}

// NewAWS builds the clients from the AWS SDK's standard configuration
// (credentials, AWS_REGION, AWS_ENDPOINT_URL_IAM/_REDSHIFT/_EC2, ...).
// defaultRegion is used when the SDK finds no region. It checks that
// credentials can be found and returns ErrNoCredentials otherwise.
func NewAWS(ctx context.Context, defaultRegion string, log *slog.Logger) (*AWS, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
		log.Info("AWS_REGION is not set: using the source region", "region", cfg.Region)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w (%v)", ErrNoCredentials, err)
	}
	return &AWS{
		IAM:      iam.NewFromConfig(cfg),
		Redshift: redshift.NewFromConfig(cfg),
		EC2:      ec2.NewFromConfig(cfg),
		Log:      log,
	}, nil
}

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

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// callError wraps the error of an AWS call with the operation's name and,
// when AWS refused it for lack of permission, a hint.
func callError(op string, err error) error {
	switch errorCode(err) {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AccessDeniedFault", "UnauthorizedException":
		return fmt.Errorf("%s: %w (the AWS identity running the job lacks this permission: see the provision policy in the README)", op, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// partitionOf returns the partition of an ARN ("aws", "aws-cn", ...).
func partitionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

func (a *AWS) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// waitCluster runs one of the cluster waiters bounded by timeout, logging each
// poll, and turns a timeout into an error that says what to do.
func (a *AWS) waitCluster(ctx context.Context, s Spec, what string, deleted bool) (*redshift.DescribeClustersOutput, error) {
	in := &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(s.ClusterID)}
	start := a.now()
	last := "unknown"
	logPoll := func(out *redshift.DescribeClustersOutput, err error) {
		switch {
		case err != nil && errorCode(err) == "ClusterNotFound":
			last = "gone"
		case err != nil:
			return
		case len(out.Clusters) > 0:
			last = aws.ToString(out.Clusters[0].ClusterStatus)
		}
		a.Log.Info("waiting for the cluster", "cluster", s.ClusterID, "until", what, "status", last,
			"elapsed", a.now().Sub(start).Round(time.Second).String(), "timeout", s.WaitTimeout.String())
	}
	var (
		out *redshift.DescribeClustersOutput
		err error
	)
	if deleted {
		w := redshift.NewClusterDeletedWaiter(a.Redshift, func(o *redshift.ClusterDeletedWaiterOptions) {
			a.setDelays(&o.MinDelay, &o.MaxDelay)
			next := o.Retryable
			o.Retryable = func(ctx context.Context, in *redshift.DescribeClustersInput, out *redshift.DescribeClustersOutput, err error) (bool, error) {
				logPoll(out, err)
				return next(ctx, in, out, err)
			}
		})
		out, err = w.WaitForOutput(ctx, in, s.WaitTimeout)
	} else {
		w := redshift.NewClusterAvailableWaiter(a.Redshift, func(o *redshift.ClusterAvailableWaiterOptions) {
			a.setDelays(&o.MinDelay, &o.MaxDelay)
			next := o.Retryable
			o.Retryable = func(ctx context.Context, in *redshift.DescribeClustersInput, out *redshift.DescribeClustersOutput, err error) (bool, error) {
				logPoll(out, err)
				return next(ctx, in, out, err)
			}
		})
		out, err = w.WaitForOutput(ctx, in, s.WaitTimeout)
	}
	if err == nil {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if strings.Contains(err.Error(), "exceeded max wait time") || errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("cluster %s is still %q after %s, not %s: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT",
			s.ClusterID, last, s.WaitTimeout, what)
	}
	if strings.Contains(err.Error(), "transitioned to Failure") {
		return nil, fmt.Errorf("cluster %s became %q while waiting until %s", s.ClusterID, last, what)
	}
	return nil, callError("DescribeClusters", err)
}

func (a *AWS) setDelays(minD, maxD *time.Duration) {
	if a.PollMinDelay > 0 {
		*minD = a.PollMinDelay
	}
	if a.PollMaxDelay > 0 {
		*maxD = a.PollMaxDelay
	}
	if *minD > *maxD {
		*maxD = *minD
	}
}
