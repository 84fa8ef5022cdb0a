package s3regions

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func TestBucketRegions(t *testing.T) {
	srv := httptest.NewServer(Wrap(gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	c := s3.New(s3.Options{Region: "us-east-1", UsePathStyle: true, BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ireland"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		bucket, location, region string
	}{
		{"plain", "", "us-east-1"},
		{"ireland", "eu-west-1", "eu-west-1"},
	} {
		t.Run(tt.bucket, func(t *testing.T) {
			loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(tt.bucket)})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(loc.LocationConstraint); got != tt.location {
				t.Errorf("GetBucketLocation = %q, want %q", got, tt.location)
			}
			head, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(tt.bucket)})
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(head.BucketRegion); got != tt.region {
				t.Errorf("HeadBucket x-amz-bucket-region = %q, want %q", got, tt.region)
			}
		})
	}
	t.Run("no such bucket", func(t *testing.T) {
		if _, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("missing")}); err == nil {
			t.Error("GetBucketLocation of a missing bucket succeeded")
		}
		if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")}); err == nil {
			t.Error("HeadBucket of a missing bucket succeeded")
		}
	})
	t.Run("deleted and created again", func(t *testing.T) {
		if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("ireland")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ireland")}); err != nil {
			t.Fatal(err)
		}
		loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("ireland")})
		if err != nil {
			t.Fatal(err)
		}
		if loc.LocationConstraint != "" {
			t.Errorf("GetBucketLocation = %q, want us-east-1's empty constraint", loc.LocationConstraint)
		}
	})
}
