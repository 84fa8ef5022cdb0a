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
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
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

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isNoSuchEntity tells whether IAM answered that the role or policy does
// not exist.
func isNoSuchEntity(err error) bool {
	_, ok := errors.AsType[*iamtypes.NoSuchEntityException](err)
	return ok
}

// isClusterNotFound tells whether Redshift answered that the cluster does
// not exist.
func isClusterNotFound(err error) bool {
	_, ok := errors.AsType[*rstypes.ClusterNotFoundFault](err)
	return ok
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

// Cluster states that waitCluster waits for.
const (
	untilAvailable = "available"
	untilDeleted   = "deleted"
)

// retryFunc is a cluster waiter's decision after one DescribeClusters call:
// keep waiting (true, nil), done (false, nil) or stop with an error.
type retryFunc = func(context.Context, *redshift.DescribeClustersInput, *redshift.DescribeClustersOutput, error) (bool, error)

// waitCluster runs the SDK's waiter until the cluster is available or
// deleted (until), bounded by s.WaitTimeout, logging each poll, and turns a
// timeout or a failure state into an error that says what to do.
func (a *AWS) waitCluster(ctx context.Context, s Spec, until string) (*redshift.DescribeClustersOutput, error) {
	start := a.now()
	var (
		last    = "unknown" // the cluster's status at the last poll
		failed  bool        // the waiter stopped at a status from which until cannot follow
		waiting bool        // the last poll said to keep waiting
	)
	// observe wraps the waiter's own decision: it logs each poll and records
	// how the waiting ended. With a successful call, the SDK's waiters
	// return an error only for their failure states.
	observe := func(decide retryFunc) retryFunc {
		return func(ctx context.Context, in *redshift.DescribeClustersInput, out *redshift.DescribeClustersOutput, err error) (bool, error) {
			gone := isClusterNotFound(err)
			switch {
			case gone:
				last = "gone"
			case err == nil && len(out.Clusters) > 0:
				last = aws.ToString(out.Clusters[0].ClusterStatus)
			}
			if err == nil || gone {
				a.Log.Info("waiting for the cluster", "cluster", s.ClusterID, "until", until, "status", last,
					"elapsed", a.now().Sub(start).Round(time.Second).String(), "timeout", s.WaitTimeout.String())
			}
			retry, verdict := decide(ctx, in, out, err)
			failed = err == nil && verdict != nil
			waiting = retry && verdict == nil
			return retry, verdict
		}
	}
	in := &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(s.ClusterID)}
	var (
		out *redshift.DescribeClustersOutput
		err error
	)
	if until == untilDeleted {
		out, err = redshift.NewClusterDeletedWaiter(a.Redshift, func(o *redshift.ClusterDeletedWaiterOptions) {
			a.setDelays(&o.MinDelay, &o.MaxDelay)
			o.Retryable = observe(o.Retryable)
		}).WaitForOutput(ctx, in, s.WaitTimeout)
	} else {
		out, err = redshift.NewClusterAvailableWaiter(a.Redshift, func(o *redshift.ClusterAvailableWaiterOptions) {
			a.setDelays(&o.MinDelay, &o.MaxDelay)
			o.Retryable = observe(o.Retryable)
		}).WaitForOutput(ctx, in, s.WaitTimeout)
	}
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case waiting || errors.Is(err, context.DeadlineExceeded):
		// The waiter ran out of time between two polls, or during one.
		return nil, fmt.Errorf("cluster %s is still %q after %s, not %s: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT",
			s.ClusterID, last, s.WaitTimeout, until)
	case failed:
		return nil, fmt.Errorf("cluster %s became %q while waiting until %s", s.ClusterID, last, until)
	}
	return nil, callError("DescribeClusters", err)
}

// waitAvailable waits until the cluster is available and returns it.
func (a *AWS) waitAvailable(ctx context.Context, s Spec) (*rstypes.Cluster, error) {
	out, err := a.waitCluster(ctx, s, untilAvailable)
	if err != nil {
		return nil, err
	}
	return &out.Clusters[0], nil
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
