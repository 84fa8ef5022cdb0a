// Package source lists and streams the job's input objects from S3
// (aws-sdk-go-v2) or from a local directory (file://), concurrently and
// without holding whole datasets in memory, and decodes the song and log
// records they hold.
package source
