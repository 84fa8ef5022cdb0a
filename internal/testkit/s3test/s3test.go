package s3test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Region is the region of the clients New and Server.Client return, and
// the AWS_REGION Server.SetEnv sets.
const Region = "us-east-1"

// Server is an in-process S3 on 127.0.0.1, stopped when the test ends.
type Server struct {
	// URL is the endpoint, for a client or AWS_ENDPOINT_URL_S3.
	URL     string
	backend *s3mem.Backend
	latency atomic.Int64 // nanoseconds
}

// NewServer starts a server holding the buckets, empty.
func NewServer(t testing.TB, buckets ...string) *Server {
	t.Helper()
	s := &Server{backend: s3mem.New()}
	for _, b := range buckets {
		if err := s.backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	h := gofakes3.New(s.backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(s.latency.Load()))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// New starts a server holding the buckets and returns a client of it.
func New(t testing.TB, buckets ...string) *s3.Client {
	t.Helper()
	return NewServer(t, buckets...).Client()
}

// Client returns a path-style client of the server with static
// credentials; it reads no variable or file.
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// gofakes3 sends no checksums; the SDK would log that at every GET.
		DisableLogOutputChecksumValidationSkipped: true,
	})
}

// SetEnv points the AWS SDK's standard variables at the server until the
// test ends, for code that builds its client from them (the default
// configuration chain): the endpoint, static credentials, Region, and no
// shared files or instance metadata. The client must use path-style
// addressing.
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":         s.URL,
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_REGION":                  Region,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
	} {
		t.Setenv(k, v)
	}
}

// Put stores an object, as if uploaded.
func (s *Server) Put(t testing.TB, bucket, key, body string) {
	t.Helper()
	if _, err := s.backend.PutObject(bucket, key, nil, bytes.NewReader([]byte(body)), int64(len(body)), nil); err != nil {
		t.Fatal(err)
	}
}

// SetLatency delays every later request by d, as a distant bucket would.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }
