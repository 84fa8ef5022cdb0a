package source

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sparkify/warehouse/internal/s3regions"
)

func TestBucketRegion(t *testing.T) {
	fake := func() http.Handler {
		return gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	}
	for _, srv := range []struct {
		name    string
		handler http.Handler
		header  bool // HeadBucket answers x-amz-bucket-region
	}{
		{"HeadBucket's header", s3regions.Wrap(fake()), true},
		{"GetBucketLocation (no header)", fake(), false},
	} {
		t.Run(srv.name, func(t *testing.T) {
			hs := httptest.NewServer(srv.handler)
			t.Cleanup(hs.Close)
			ctx := context.Background()
			c := s3.New(s3.Options{Region: "us-east-1", UsePathStyle: true, BaseEndpoint: aws.String(hs.URL),
				Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
				t.Fatal(err)
			}
			wantEU := "us-east-1" // gofakes3 alone has no regions
			if srv.header {
				wantEU = "eu-west-1"
			}
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("ireland"),
				CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
				t.Fatal(err)
			}
			for bucket, want := range map[string]string{"plain": "us-east-1", "ireland": wantEU} {
				got, err := BucketRegion(ctx, c, bucket)
				if err != nil || got != want {
					t.Errorf("BucketRegion(%s) = %q, %v; want %q", bucket, got, err, want)
				}
			}
			if _, err := BucketRegion(ctx, c, "missing"); err == nil {
				t.Error("BucketRegion of a missing bucket succeeded")
			}
		})
	}
}
