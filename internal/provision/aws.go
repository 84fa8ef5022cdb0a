package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/smithy-go"

	"github.com/sparkify/warehouse/internal/awslog"
)

// AWS provisions and tears down the redshift target's resources.
type AWS struct {
	IAM      *iam.Client
	Redshift *redshift.Client
	EC2      *ec2.Client
	// Serverless manages the namespace and workgroup of
	// SPARKIFY_REDSHIFT_DEPLOYMENT=serverless.
	Serverless *redshiftserverless.Client
	Log        *slog.Logger

	// PollMinDelay and PollMaxDelay bound the delay between two
	// DescribeClusters calls of a wait, and between two attempts of a call
	// refused because the cluster is busy; the delay doubles from the first
	// to the second. Zero means 15 s and 2 min. Tests make them small.
	PollMinDelay, PollMaxDelay time.Duration
	// RoleSettleDelay is the pause between attempts while IAM propagates a
	// young role: CreateCluster or ModifyClusterIamRoles refused, or a read
	// that does not see the role yet; zero means 10 s.
	RoleSettleDelay time.Duration
	// Now gives the time for the final snapshot's name; nil means time.Now.
	Now func() time.Time
}

// NewAWS builds the clients from the AWS SDK's standard configuration
// (credentials, AWS_REGION, AWS_ENDPOINT_URL_IAM/_REDSHIFT/_EC2/
// _REDSHIFT_SERVERLESS, ...).
// defaultRegion is used when the SDK finds no region. It checks that
// credentials can be found and returns ErrNoCredentials otherwise.
func NewAWS(ctx context.Context, defaultRegion string, log *slog.Logger) (*AWS, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithLogger(awslog.New(log)))
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
		IAM:        iam.NewFromConfig(cfg),
		Redshift:   redshift.NewFromConfig(cfg),
		EC2:        ec2.NewFromConfig(cfg),
		Serverless: redshiftserverless.NewFromConfig(cfg),
		Log:        log,
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

// lookup ends a read of one named resource: nil when notFound says AWS
// answered that it does not exist, the call's error wrapped by callError,
// or what get takes from the answer (nil when the answer lists none).
func lookup[T any](op string, err error, notFound func(error) bool, get func() *T) (*T, error) {
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, callError(op, err)
	}
	return get(), nil
}

// first returns the first of list, or nil when it is empty.
func first[T any](list []T) *T {
	if len(list) == 0 {
		return nil
	}
	return &list[0]
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

// What waitCluster waits until.
const (
	untilAvailable = "available"
	untilPaused    = "paused"
	untilDeleted   = "deleted"
)

// gone is the status waitCluster reports for a cluster that does not exist.
const gone = "gone"

// stopHints are the cluster statuses that end a wait until available at
// once, with what to do about each.
var stopHints = map[string]string{
	"deleting":                "it is being deleted: run provision again once teardown has finished",
	"final-snapshot":          "it is being deleted (final snapshot): run provision again once teardown has finished",
	"pausing":                 "it is being paused: resume it (aws redshift resume-cluster), then run provision again",
	"paused":                  "it is paused: resume it (aws redshift resume-cluster --cluster-identifier <id>), then run provision again",
	"hardware-failure":        "Redshift reports a hardware failure: see the cluster's events; reboot or restore it, or tear it down",
	"incompatible-hsm":        "Redshift cannot reach its HSM: see the cluster's events",
	"incompatible-network":    "the cluster's network is unusable (subnet group, VPC or addresses): see the cluster's events, fix the network and run teardown and provision again",
	"incompatible-parameters": "its parameter group has incompatible values: see the cluster's events",
	"incompatible-restore":    "the restore failed: see the cluster's events, then tear it down",
	"storage-full":            "its storage is full: resize it or delete data",
	gone:                      "it was deleted while provision waited: run provision again",
}

// waitCluster polls DescribeClusters until the cluster reaches until,
// bounded by s.WaitTimeout, logging each poll. A status from which until
// cannot follow ends the wait at once with its name. It returns the
// cluster (nil once deleted).
//
// Available means what AWS means by it: ClusterStatus available,
// ClusterAvailabilityStatus Available, no PendingModifiedValues and every IAM
// role in-sync. A cluster that is "available" while a modification is
// still being applied accepts no other modification.
func (a *AWS) waitCluster(ctx context.Context, s Spec, until string) (*rstypes.Cluster, error) {
	start := a.now()
	wctx, cancel := context.WithTimeout(ctx, s.WaitTimeout)
	defer cancel()
	delay, maxDelay := a.pollDelays()
	last := "unknown"
	for {
		cl, err := a.describeCluster(wctx, s.ClusterID)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case wctx.Err() != nil:
			return nil, a.waitTimeout(s, last, until)
		case err != nil:
			return nil, err
		}
		status, detail := clusterState(cl)
		last = status
		a.Log.Info("waiting for the cluster", "cluster", s.ClusterID, "until", until, "status", status, "detail", detail,
			"elapsed", a.now().Sub(start).Round(time.Second).String(), "timeout", s.WaitTimeout.String())
		done, stop := reached(until, cl, status, detail)
		if done {
			return cl, nil
		}
		if stop {
			msg := fmt.Sprintf("cluster %s became %q while waiting until %s", s.ClusterID, status, until)
			if hint := stopHints[status]; hint != "" && until == untilAvailable {
				msg += ": " + strings.ReplaceAll(hint, "<id>", s.ClusterID)
			}
			return nil, errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wctx.Done():
			return nil, a.waitTimeout(s, last, until)
		case <-time.After(delay):
		}
		delay = min(2*delay, maxDelay)
	}
}

func (a *AWS) waitTimeout(s Spec, last, until string) error {
	return fmt.Errorf("cluster %s is still %q after %s, not %s: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT",
		s.ClusterID, last, s.WaitTimeout, until)
}

// clusterState returns the cluster's status ("gone" for nil) and what,
// while it is "available", still keeps it busy ("" when nothing does).
func clusterState(cl *rstypes.Cluster) (status, detail string) {
	if cl == nil {
		return gone, ""
	}
	status = aws.ToString(cl.ClusterStatus)
	var busy []string
	if v := aws.ToString(cl.ClusterAvailabilityStatus); v != "" && v != "Available" {
		busy = append(busy, "availability "+v)
	}
	if p := cl.PendingModifiedValues; p != nil && !reflect.ValueOf(*p).IsZero() {
		busy = append(busy, "modifications pending")
	}
	for _, r := range cl.IamRoles {
		if st := aws.ToString(r.ApplyStatus); st != "" && st != "in-sync" {
			busy = append(busy, "role "+st)
		}
	}
	return status, strings.Join(busy, ", ")
}

// reached decides one poll of waitCluster: done, or stop (a status from
// which until cannot follow), or neither (keep waiting).
func reached(until string, cl *rstypes.Cluster, status, detail string) (done, stop bool) {
	switch until {
	case untilDeleted:
		return status == gone, status != gone && status != "deleting" && status != "final-snapshot"
	case untilPaused:
		return status == "paused", status != "pausing" && status != "paused"
	}
	if status == "available" {
		failed := aws.ToString(cl.ClusterAvailabilityStatus) == "Failed"
		return detail == "", failed
	}
	_, stop = stopHints[status]
	return false, stop
}

// waitAvailable waits until the cluster is available and returns it.
func (a *AWS) waitAvailable(ctx context.Context, s Spec) (*rstypes.Cluster, error) {
	return a.waitCluster(ctx, s, untilAvailable)
}

// pollDelays returns the first and the longest delay between two polls.
func (a *AWS) pollDelays() (first, longest time.Duration) {
	first, longest = 15*time.Second, 2*time.Minute
	if a.PollMinDelay > 0 {
		first = a.PollMinDelay
	}
	if a.PollMaxDelay > 0 {
		longest = a.PollMaxDelay
	}
	return first, max(first, longest)
}

// isClusterBusy tells whether Redshift refused a call because of the
// cluster's state, such as a concurrent operation.
func isClusterBusy(err error) bool {
	_, ok := errors.AsType[*rstypes.InvalidClusterStateFault](err)
	return ok || errorCode(err) == "InvalidClusterState"
}

// retryBusy runs call until Redshift stops refusing it for the cluster's
// state (another operation in progress), backing off between attempts,
// for at most s.WaitTimeout. The error it returns is wrapped by callError.
func (a *AWS) retryBusy(ctx context.Context, s Spec, op string, call func(context.Context) error) error {
	return a.retryWhile(ctx, s, op, "the cluster is busy with another operation", isClusterBusy, call)
}

// retryWhile runs call until its error no longer satisfies refused,
// backing off between attempts (PollMinDelay doubling up to PollMaxDelay)
// for at most s.WaitTimeout. The error it returns is wrapped by callError.
func (a *AWS) retryWhile(ctx context.Context, s Spec, op, why string, refused func(error) bool, call func(context.Context) error) error {
	delay, maxDelay := a.pollDelays()
	deadline := time.Now().Add(s.WaitTimeout)
	for {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if !refused(err) {
			return callError(op, err)
		}
		if time.Now().Add(delay).After(deadline) {
			return fmt.Errorf("%s: still refused after %s (%s): run the phase again, or raise SPARKIFY_WAIT_TIMEOUT: %w", op, s.WaitTimeout, why, err)
		}
		a.Log.Info(why+"; retrying", "cluster", s.ClusterID, "op", op, "delay", delay.String(), "aws", errorMessage(err))
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(2*delay, maxDelay)
	}
}

// errorMessage returns the AWS error message of err, or err's text.
func errorMessage(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorMessage()
	}
	return err.Error()
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
