//go:build integration

package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// euBucket creates a bucket in eu-west-1 next to the stack's (us-east-1)
// and returns a Stack that puts its objects there.
func euBucket(t *testing.T, s *Stack) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eu := *s
	eu.Bucket = s.Bucket + "-eu"
	if _, err := s.S3Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(eu.Bucket),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatalf("create bucket %s in eu-west-1: %v", eu.Bucket, err)
	}
	return &eu
}

// TestLoadRegions: COPY sends REGION SPARKIFY_SOURCE_REGION, and AWS
// requires every object it reads, the manifest in the staging bucket
// included, to be in that region. The job learns the buckets' regions
// and refuses (exit 2, naming both regions and the variable to change) a
// combination COPY cannot read, before anything runs.
func TestLoadRegions(t *testing.T) {
	for _, tt := range []struct {
		name string
		// sourcesEU puts the sources and the jsonpaths file in eu-west-1,
		// jsonpathsEU the jsonpaths file only, stagingEU the staging bucket.
		sourcesEU, jsonpathsEU, stagingEU bool
		sourceRegion                      string
		wantMsg                           string // empty: the load succeeds
	}{
		{name: "staging bucket elsewhere", stagingEU: true, sourceRegion: s3Region,
			wantMsg: "SPARKIFY_STAGING_URI: bucket test-"},
		{name: "sources elsewhere than SPARKIFY_SOURCE_REGION", sourcesEU: true, stagingEU: true, sourceRegion: s3Region,
			wantMsg: "SPARKIFY_SOURCE_REGION: bucket test-"},
		{name: "jsonpaths file elsewhere", jsonpathsEU: true, sourceRegion: s3Region,
			wantMsg: "SPARKIFY_LOG_JSONPATH: bucket test-"},
		{name: "all in eu-west-1", sourcesEU: true, stagingEU: true, sourceRegion: "eu-west-1"},
		{name: "all in us-east-1", sourceRegion: s3Region},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startStack(t)
			eu := euBucket(t, s)
			src := s
			if tt.sourcesEU {
				src = eu
			}
			src.Upload(t, fixture, "")
			s.Env(t)
			s.UseTarget(t, "redshift")
			jp := src
			if tt.jsonpathsEU {
				jp = eu
			}
			jp.Put(t, "config/log_json_path.json", []byte(jsonPaths))
			staging := s
			if tt.stagingEU {
				staging = eu
			}
			for k, v := range map[string]string{
				"SPARKIFY_SONG_DATA":     src.URI("song_data"),
				"SPARKIFY_LOG_DATA":      src.URI("log_data"),
				"SPARKIFY_LOG_JSONPATH":  jp.URI("config/log_json_path.json"),
				"SPARKIFY_STAGING_URI":   staging.URI("staging"),
				"SPARKIFY_SOURCE_REGION": tt.sourceRegion,
				"SPARKIFY_MAX_ERRORS":    "1",
			} {
				t.Setenv(k, v)
			}
			code, out, errOut := runJob(t, context.Background(), "-phase", "load")
			if tt.wantMsg == "" {
				if code != 0 {
					t.Fatalf("load exited %d:\n%s\n%s", code, out, errOut)
				}
				assertTables(t, dump(t, s.DatabaseURL), want)
				return
			}
			if code != 2 {
				t.Fatalf("load exited %d, want 2:\n%s", code, errOut)
			}
			for _, w := range []string{tt.wantMsg, "is in eu-west-1, but COPY reads with REGION 'us-east-1' (SPARKIFY_SOURCE_REGION)"} {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			conn := s.Conn(t)
			var star *string
			if err := conn.QueryRow(context.Background(), "SELECT to_regclass('songplays')::text").Scan(&star); err != nil || star != nil {
				t.Errorf("a refused first load created songplays (%v)", err)
			}
		})
	}
}
