package s3test

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// get returns the object's body.
func get(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

func TestServer(t *testing.T) {
	srv := NewServer(t, "b")
	srv.Put(t, "b", "k/x.json", `{"a":1}`)
	if got := get(t, srv.Client(), "b", "k/x.json"); got != `{"a":1}` {
		t.Errorf("GetObject = %q, want the object put", got)
	}
}

func TestSetEnv(t *testing.T) {
	srv := NewServer(t, "b")
	srv.Put(t, "b", "k/x.json", `{"a":1}`)
	srv.SetEnv(t)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if got := get(t, c, "b", "k/x.json"); got != `{"a":1}` {
		t.Errorf("GetObject = %q, want the object put", got)
	}
}

func TestNewCreatesBuckets(t *testing.T) {
	c := New(t, "one", "two")
	out, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"one", "two"}) {
		t.Errorf("buckets = %v, want [one two]", names)
	}
}
