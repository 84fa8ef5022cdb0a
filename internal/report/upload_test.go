package report

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/testkit/s3test"
)

func TestDatedPrefix(t *testing.T) {
	at := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("X", -2*3600)) // 2026-03-05 in UTC
	for _, tt := range []struct{ prefix, want string }{
		{"", "2026-03-05/"},
		{"/", "2026-03-05/"},
		{"reports", "reports/2026-03-05/"},
		{"reports/", "reports/2026-03-05/"},
		{"a/b", "a/b/2026-03-05/"},
	} {
		if got := DatedPrefix(tt.prefix, at); got != tt.want {
			t.Errorf("DatedPrefix(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func TestUpload(t *testing.T) {
	client := s3test.New(t, "reports")
	dir := t.TempDir()
	_, files, err := Write(dir, Summarize(sampleData(), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	prefix := DatedPrefix("team/sparkify", time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	if err := Upload(ctx, client, "reports", prefix, dir, files); err != nil {
		t.Fatal(err)
	}

	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("reports")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, *o.Key)
	}
	var want []string
	for _, f := range files {
		want = append(want, "team/sparkify/2026-03-04/"+f)
	}
	sort.Strings(want)
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Errorf("keys =\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	types := map[string]string{"index.html": "text/html; charset=utf-8", "summary.json": "application/json", "users_by_level.png": "image/png", "users_by_level.svg": "image/svg+xml"}
	for _, f := range files {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String(prefix + f)})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		local, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, local) {
			t.Errorf("%s: uploaded %d bytes differ from the local %d", f, len(body), len(local))
		}
		if wantType := ContentType(f); aws.ToString(out.ContentType) != wantType {
			t.Errorf("%s: content type %q, want %q", f, aws.ToString(out.ContentType), wantType)
		}
		if wt, ok := types[f]; ok && ContentType(f) != wt {
			t.Errorf("ContentType(%s) = %q, want %q", f, ContentType(f), wt)
		}
	}
}

func TestUploadNoSuchBucket(t *testing.T) {
	client := s3test.New(t, "reports")
	dir := t.TempDir()
	_, files, err := Write(dir, Summarize(Data{}, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	err = Upload(context.Background(), client, "missing", "2026-03-04/", dir, files)
	if err == nil || !strings.Contains(err.Error(), "s3://missing/2026-03-04/summary.json") {
		t.Fatalf("err = %v, want it to name the object", err)
	}
	if msg := source.Unreachable(err); msg != "the bucket does not exist" {
		t.Errorf("source.Unreachable = %q, want the missing bucket explained", msg)
	}
}
