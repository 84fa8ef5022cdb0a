// Package dbauth gets temporary Redshift database credentials for the
// job's AWS identity (SPARKIFY_REDSHIFT_AUTH=iam): GetClusterCredentialsWithIAM
// for a provisioned cluster, GetCredentials for a Serverless workgroup. The
// AWS SDK's default credential chain supplies the identity (environment,
// web identity token as with IRSA, instance or task role). The credentials
// are returned to the caller only: nothing here logs them.
package dbauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/smithy-go"
)

// Endpoint is the cluster or workgroup whose database the job connects to.
type Endpoint struct {
	Serverless bool
	// Name is the cluster identifier or the workgroup name.
	Name string
	// Region is the endpoint's region when its host name gives it.
	Region string
}

// Action is the IAM action that issues the credentials.
func (e Endpoint) Action() string {
	if e.Serverless {
		return "redshift-serverless:GetCredentials"
	}
	return "redshift:GetClusterCredentialsWithIAM"
}

// Resolve finds the cluster or workgroup behind host. A Redshift endpoint
// name gives both: <cluster>.<id>.<region>.redshift.amazonaws.com and
// <workgroup>.<account>.<region>.redshift-serverless.amazonaws.com
// (the first label). Any other host (an IP address, a private DNS name, a
// proxy) takes workgroup when set (Serverless), else clusterID.
func Resolve(host, clusterID, workgroup string) (Endpoint, error) {
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(host, ".")), ".")
	if net.ParseIP(host) == nil && len(labels) >= 4 {
		for i, l := range labels {
			if i >= 2 && (l == "redshift" || l == "redshift-serverless") && strings.Join(labels[i+1:], ".") == "amazonaws.com" {
				name := labels[0]
				if workgroup != "" && l == "redshift-serverless" {
					name = workgroup
				}
				return Endpoint{Serverless: l == "redshift-serverless", Name: name, Region: labels[i-1]}, nil
			}
		}
	}
	if workgroup != "" {
		return Endpoint{Serverless: true, Name: workgroup}, nil
	}
	if clusterID == "" {
		return Endpoint{}, errors.New("the endpoint's name does not say which cluster or workgroup it is")
	}
	return Endpoint{Name: clusterID}, nil
}

// Credentials are a temporary database user and password.
type Credentials struct {
	User, Password string
	Expiration     time.Time
}

// DeniedError is AWS refusing the job's identity the action.
type DeniedError struct {
	Action string
	Err    error
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("not allowed to call %s: %v", e.Action, e.Err)
}

func (e *DeniedError) Unwrap() error { return e.Err }

// NotFoundError is a cluster or workgroup that AWS does not know.
type NotFoundError struct {
	Endpoint Endpoint
	Err      error
}

func (e *NotFoundError) Error() string {
	what := "cluster"
	if e.Endpoint.Serverless {
		what = "Serverless workgroup"
	}
	return fmt.Sprintf("no Redshift %s %q: %v", what, e.Endpoint.Name, e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// Get asks AWS for temporary credentials to database on e, valid for
// duration (900s to 3600s), with the SDK's default configuration.
func Get(ctx context.Context, e Endpoint, database string, duration time.Duration) (Credentials, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return Credentials{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = e.Region
	}
	if cfg.Region == "" {
		return Credentials{}, errors.New("no AWS region: set AWS_REGION to the region of the cluster or workgroup")
	}
	secs := int32(duration / time.Second)
	var c Credentials
	if e.Serverless {
		out, err := redshiftserverless.NewFromConfig(cfg).GetCredentials(ctx, &redshiftserverless.GetCredentialsInput{
			WorkgroupName: aws.String(e.Name), DbName: aws.String(database), DurationSeconds: aws.Int32(secs),
		})
		if err != nil {
			return c, classify(e, err)
		}
		c = Credentials{User: aws.ToString(out.DbUser), Password: aws.ToString(out.DbPassword), Expiration: aws.ToTime(out.Expiration)}
	} else {
		out, err := redshift.NewFromConfig(cfg).GetClusterCredentialsWithIAM(ctx, &redshift.GetClusterCredentialsWithIAMInput{
			ClusterIdentifier: aws.String(e.Name), DbName: aws.String(database), DurationSeconds: aws.Int32(secs),
		})
		if err != nil {
			return c, classify(e, err)
		}
		c = Credentials{User: aws.ToString(out.DbUser), Password: aws.ToString(out.DbPassword), Expiration: aws.ToTime(out.Expiration)}
	}
	if c.User == "" || c.Password == "" {
		return Credentials{}, fmt.Errorf("%s answered without a user or password", e.Action())
	}
	return c, nil
}

// classify tells a refusal and an unknown cluster or workgroup from other
// failures.
func classify(e Endpoint, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
			return &DeniedError{Action: e.Action(), Err: err}
		case "ClusterNotFound", "ClusterNotFoundFault", "ResourceNotFoundException":
			return &NotFoundError{Endpoint: e, Err: err}
		}
	}
	return fmt.Errorf("%s: %w", e.Action(), err)
}
