// Package awslog writes the AWS SDK's own log messages (a credential
// provider falling back to IMDSv1, a response body that could not be
// discarded, a skipped checksum) through log/slog, so that they share the
// run's format and level: with SPARKIFY_LOG_FORMAT=json every line the job
// writes is then a JSON object, the SDK's included.
package awslog

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/aws/smithy-go/logging"
)

// Logger is a logging.Logger (aws.Config.Logger) that writes each message
// as a slog record with source "aws-sdk".
type Logger struct {
	// Log receives the records; nil means the run's logger (Use) at the
	// time of each message, or slog.Default() outside a run.
	Log *slog.Logger
}

// New returns a Logger writing to log (nil: the run's logger).
func New(log *slog.Logger) Logger { return Logger{Log: log} }

var runLogger atomic.Pointer[slog.Logger]

// Use makes log the run's logger, which Loggers without their own write
// to, until the returned restore is called.
func Use(log *slog.Logger) (restore func()) {
	prev := runLogger.Swap(log)
	return func() { runLogger.Store(prev) }
}

// Logf implements logging.Logger: Warn becomes a warning, Debug a debug
// record, anything else an info record.
func (l Logger) Logf(c logging.Classification, format string, v ...any) {
	log := l.Log
	if log == nil {
		log = runLogger.Load()
	}
	if log == nil {
		log = slog.Default()
	}
	level := slog.LevelInfo
	switch c {
	case logging.Warn:
		level = slog.LevelWarn
	case logging.Debug:
		level = slog.LevelDebug
	}
	log.Log(context.Background(), level, fmt.Sprintf(format, v...), "source", "aws-sdk")
}
