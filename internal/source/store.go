package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one input object: its full URI (used in messages) and its key
// within the store.
type Object struct {
	URI string
	Key string
}

// Store lists and opens the objects under one location.
type Store interface {
	// List calls fn for every .json object under the location, in key
	// order, following pagination.
	List(ctx context.Context, fn func(Object) error) error
	// Open streams one object's content.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// Open returns the store for a parsed location. client is used for s3://
// locations and may be nil otherwise.
func Open(loc Location, client *s3.Client) (Store, error) {
	switch loc.Scheme {
	case "s3":
		if client == nil {
			return nil, errors.New("s3 location without an S3 client")
		}
		return &s3Store{client: client, bucket: loc.Bucket, prefix: loc.Path}, nil
	case "file":
		return &dirStore{root: loc.Path}, nil
	}
	return nil, fmt.Errorf("unsupported location %s", loc)
}

type s3Store struct {
	client *s3.Client
	bucket string
	prefix string
}

func (s *s3Store) List(ctx context.Context, fn func(Object) error) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list s3://%s/%s: %w", s.bucket, s.prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !strings.HasSuffix(key, ".json") {
				continue
			}
			if err := fn(Object{URI: "s3://" + s.bucket + "/" + key, Key: key}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *s3Store) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(o.Key)})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", o.URI, err)
	}
	return out.Body, nil
}

type dirStore struct{ root string }

// List walks the directory. Like an S3 prefix, the location may also end in
// the start of a file name (file:///data/log_data/2018/11/2018-11-01).
func (d *dirStore) List(ctx context.Context, fn func(Object) error) error {
	root, prefix := d.root, ""
	if st, err := os.Stat(d.root); err != nil || !st.IsDir() {
		root, prefix = filepath.Dir(d.root), d.root
	}
	var paths []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			// Enter only directories that can hold a match.
			if p != root && !strings.HasPrefix(p, prefix) && !strings.HasPrefix(prefix, p+string(filepath.Separator)) {
				return filepath.SkipDir
			}
			return ctx.Err()
		}
		if strings.HasSuffix(p, ".json") && strings.HasPrefix(p, prefix) {
			paths = append(paths, p)
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("list file://%s: %w", d.root, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := fn(Object{URI: "file://" + p, Key: p}); err != nil {
			return err
		}
	}
	return nil
}

func (d *dirStore) Open(_ context.Context, o Object) (io.ReadCloser, error) {
	return os.Open(o.Key)
}
