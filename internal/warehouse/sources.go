package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/source"
)

// SourceOptions say how a load reaches its sources.
type SourceOptions struct {
	S3 source.S3Options
	// Concurrency is how many objects the job's own staging reads at once.
	Concurrency int
	// StagingURI is where an engine that stages with COPY writes the
	// manifests of the objects a load takes (SPARKIFY_STAGING_URI); zero
	// for none.
	StagingURI source.Location
	// LockTimeout is SPARKIFY_LOCK_TIMEOUT: manifests older than it and an
	// hour are left from loads that are gone.
	LockTimeout time.Duration
	// FullRefresh rebuilds the star tables from every object.
	FullRefresh bool
	// Deleted is what becomes of the rows of objects the sources lost.
	Deleted DeletedSources
}

// Sources are one load's source objects: it opens them (Open), decides
// with the ledger which of them the load takes (Select), and stages them
// (Stage, for the job's own staging). Close releases what they hold.
type Sources struct {
	SourceOptions
	// Ledger is what the warehouse holds, once Select has read it.
	Ledger *Ledger
	// Errors counts the malformed records the job's own staging skips.
	Errors *source.Errors

	plan    *Plan
	log     *slog.Logger
	stager  StageFunc
	client  *s3.Client
	closers []func()
}

// NewSources returns the sources of a load of plan.
func NewSources(plan *Plan, o SourceOptions, log *slog.Logger) *Sources {
	errs := source.NewErrors(plan.MaxErrors)
	return &Sources{SourceOptions: o, Errors: errs, plan: plan, log: log, stager: CopyStager(o.Concurrency, errs, log)}
}

// Open readies the sources before the job connects to the warehouse.
func (s *Sources) Open(ctx context.Context) error { return s.plan.engine.openSources(ctx, s) }

// Select reads the ledger on sess and decides which objects the load
// takes; it returns the plan that stages them.
func (s *Sources) Select(ctx context.Context, sess Session) (*Plan, error) {
	return s.plan.engine.selectObjects(ctx, s, sess)
}

// Close releases what the sources hold (listings under way, manifests).
func (s *Sources) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

func (s *Sources) onClose(f func()) { s.closers = append(s.closers, f) }

// Malformed is the count of malformed records skipped so far.
func (s *Sources) Malformed() int64 { return int64(s.Errors.Count()) }

// Stage is the job's own staging (RunOptions.Stage): a source that cannot
// be read is an error naming its setting.
func (s *Sources) Stage(ctx context.Context, tx Tx, st *Stage) (StageStats, error) {
	stats, err := s.stager(ctx, tx, st)
	return stats, SourceError(st.Option, st.Location, err)
}

// s3Client returns the S3 client of the load, made once.
func (s *Sources) s3Client(ctx context.Context) (*s3.Client, error) {
	if s.client == nil {
		c, err := source.NewS3Client(ctx, s.S3)
		if err != nil {
			return nil, err
		}
		s.client = c
	}
	return s.client, nil
}

// openStores opens the store of each stage, creating the S3 client only
// when a source is in S3.
func (s *Sources) openStores(ctx context.Context, stages []*Stage) error {
	for _, st := range stages {
		var client *s3.Client
		if st.Location.Scheme == "s3" {
			c, err := s.s3Client(ctx)
			if err != nil {
				return err
			}
			client = c
		}
		store, err := source.Open(st.Location, client, s.S3.Timeout)
		if err != nil {
			return err
		}
		st.Store = store
	}
	return nil
}

// SourceError turns a source the user pointed at wrongly into an error
// naming its setting (option, such as SONG_DATA); others stay as they are.
func SourceError(option string, loc source.Location, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, source.ErrNoObjects) {
		return &ValueError{Option: option, Msg: fmt.Sprintf("no .json objects under %s; check the bucket and prefix", loc)}
	}
	if msg := source.Unreachable(err); msg != "" {
		what := loc.String()
		var oe *source.ObjectError
		if errors.As(err, &oe) {
			what = oe.URI // the object that failed, not only its prefix
		}
		return &ValueError{Option: option, Msg: fmt.Sprintf("cannot read %s: %s", what, msg)}
	}
	return err
}
