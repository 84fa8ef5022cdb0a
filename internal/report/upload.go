package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Putter is the part of the S3 client that Upload uses; *s3.Client
// satisfies it.
type Putter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// DatedPrefix returns the key prefix of one report: prefix/<YYYY-MM-DD>/,
// with the UTC date of generated. An empty prefix gives <YYYY-MM-DD>/.
func DatedPrefix(prefix string, generated time.Time) string {
	date := generated.UTC().Format(dateLayout) + "/"
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return date
	}
	return prefix + "/" + date
}

// LatestPrefix is the key prefix of the newest report: prefix/latest/.
func LatestPrefix(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return "latest/"
	}
	return prefix + "/latest/"
}

// Upload copies files (names relative to dir, as Write returns them) to
// s3://bucket/prefix<name>, with their content types, in the order given:
// Write lists index.html last, so the page appears only once everything it
// shows is there. A report uploaded again the same day replaces the
// earlier one.
func Upload(ctx context.Context, client Putter, bucket, prefix, dir string, files []string) error {
	for _, name := range files {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("upload report: %w", err)
		}
		key := prefix + name
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(key),
			Body:          bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))),
			ContentType:   aws.String(ContentType(name)),
		}); err != nil {
			return fmt.Errorf("upload report to s3://%s/%s: %w", bucket, key, err)
		}
	}
	return nil
}

// ContentType is the media type a report file is served with.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".png":
		return "image/png"
	case ".svg":
		return "image/svg+xml"
	case ".html":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}
