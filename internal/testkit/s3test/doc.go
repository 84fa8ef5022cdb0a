// Package s3test serves S3 in-process for tests: gofakes3 with its
// in-memory backend behind an httptest server on 127.0.0.1, and a client
// pointed at it.
package s3test
