package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// copySources makes each Redshift COPY read exactly the objects the Postgres
// stager would read: the job lists the sources itself (the .json keys in
// the folder of each prefix, source.InPrefix). With SPARKIFY_STAGING_URI it
// writes a manifest of them for each COPY and sets opts' manifests; the
// returned cleanup removes them. Without, it requires that COPY's own
// reading of the prefix (every key that starts with it) gives the same
// objects, and refuses the load otherwise, naming an object and the fix.
// With a manifest, only the objects the ledger lets the load take are in
// it, and a source with none has no COPY at all; without, every COPY reads
// the whole prefix, and all its objects count as taken.
func copySources(ctx context.Context, cfg config.Config, opts *warehouse.Options, ledger *warehouse.Ledger, q warehouse.Querier, log *slog.Logger) (cleanup func(), err error) {
	client, err := source.NewS3Client(ctx, source.S3Options{Region: cfg.SourceRegion, PathStyle: cfg.S3PathStyle, Timeout: cfg.S3Timeout})
	if err != nil {
		return nil, err
	}
	if err := checkRegions(ctx, cfg, client, log); err != nil {
		return nil, err
	}
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	dir := time.Now().UTC().Format(manifestTime) + "-" + hex.EncodeToString(run)
	if !cfg.StagingURI.IsZero() {
		removeStaleManifests(ctx, client, cfg, log)
	}
	var written []source.Location
	cleanup = func() {
		for _, m := range written {
			if err := source.DeleteObject(context.WithoutCancel(ctx), client, m); err != nil {
				log.Warn("could not remove a COPY manifest", "manifest", m.String(), "error", err)
			}
		}
	}
	for _, src := range []struct {
		variable, table string
		loc             source.Location
		manifest        *string
		none            *bool
		file            string
	}{
		{"SONG_DATA", "staging_songs", cfg.SongData, &opts.SongManifest, &opts.NoSongs, "songs.manifest"},
		{"LOG_DATA", "staging_events", cfg.LogData, &opts.LogManifest, &opts.NoLogs, "logs.manifest"},
	} {
		store, err := source.Open(src.loc, client, cfg.S3Timeout)
		if err != nil {
			return cleanup, err
		}
		var uris, taken []string
		err = store.List(ctx, func(o source.Object) error {
			uris = append(uris, o.URI)
			if ledger.Take(src.table, o) {
				taken = append(taken, o.URI)
			}
			return nil
		})
		if err == nil && len(uris) == 0 {
			err = source.ErrNoObjects
		}
		if err != nil {
			return cleanup, sourceError(src.variable, src.loc, err)
		}
		if !ledger.Rebuild() {
			if err := ledger.Deleted(ctx, q, src.table, src.loc, cfg.DeletedSources); err != nil {
				return cleanup, err
			}
		}
		if cfg.StagingURI.IsZero() {
			keys, err := source.CopyKeys(ctx, client, src.loc)
			if err != nil {
				return cleanup, sourceError(src.variable, src.loc, err)
			}
			if extra := notListed(src.loc.Bucket, keys, uris); len(extra) > 0 {
				return cleanup, &config.Error{Var: src.variable, Msg: fmt.Sprintf(
					"COPY FROM %s would also read %s (%d objects in all) that the load does not take (keys outside the folder, or not .json): "+
						"set SPARKIFY_STAGING_URI to a writable s3://bucket/prefix, so that COPY reads a manifest of the job's own objects, or narrow the prefix",
					src.loc, extra[0], len(extra))}
			}
			continue
		}
		if len(taken) == 0 {
			*src.none = true
			log.Info("no new or changed objects: no COPY", "source", src.loc.String())
			continue
		}
		m := cfg.StagingURI.Location
		m.Path = path.Join(m.Path, "manifests", dir, src.file)
		body, err := warehouse.Manifest(taken)
		if err != nil {
			return cleanup, err
		}
		if err := source.PutObject(ctx, client, m, body); err != nil {
			return cleanup, sourceError("STAGING_URI", cfg.StagingURI.Location, err)
		}
		written = append(written, m)
		*src.manifest = m.String()
		log.Info("COPY manifest written", "manifest", m.String(), "objects", len(taken))
	}
	return cleanup, nil
}

// manifestTime starts the name of each load's manifest folder.
const manifestTime = "20060102T150405Z"

// removeStaleManifests removes the manifests that loads killed before their
// cleanup left under SPARKIFY_STAGING_URI: those whose folder is older than
// SPARKIFY_LOCK_TIMEOUT and an hour. A live load waits at most the lock
// timeout before its COPYs, which read its manifests at once, so such a
// folder's load has finished with them or is gone. Best effort: a failure
// is logged, and the next load tries again.
func removeStaleManifests(ctx context.Context, client *s3.Client, cfg config.Config, log *slog.Logger) {
	dir := cfg.StagingURI.Location
	dir.Path = path.Join(dir.Path, "manifests") + "/"
	keys, err := source.CopyKeys(ctx, client, dir)
	if err != nil {
		log.Warn("could not list old COPY manifests", "prefix", dir.String(), "error", err.Error())
		return
	}
	cutoff := time.Now().Add(-cfg.LockTimeout - time.Hour)
	removed := 0
	for _, k := range keys {
		name, _, _ := strings.Cut(strings.TrimPrefix(k, dir.Path), "/")
		stamp, _, _ := strings.Cut(name, "-")
		at, err := time.Parse(manifestTime, stamp)
		if err != nil || !at.Before(cutoff) {
			continue // not a load's folder, or a recent one
		}
		m := source.Location{Scheme: "s3", Bucket: dir.Bucket, Path: k}
		if err := source.DeleteObject(ctx, client, m); err != nil {
			log.Warn("could not remove an old COPY manifest", "manifest", m.String(), "error", err.Error())
			return
		}
		removed++
	}
	if removed > 0 {
		log.Info("removed COPY manifests left by earlier loads", "manifests", removed, "older_than", cutoff.UTC().Format(time.RFC3339))
	}
}

// notListed returns the s3:// URIs of the keys that are not among listed.
func notListed(bucket string, keys, listed []string) []string {
	in := make(map[string]bool, len(listed))
	for _, u := range listed {
		in[u] = true
	}
	var out []string
	for _, k := range keys {
		if u := "s3://" + bucket + "/" + k; !in[u] {
			out = append(out, u)
		}
	}
	return out
}

// sourceError turns a source the user pointed at wrongly into a
// configuration error naming the variable.
func sourceError(variable string, loc source.Location, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, source.ErrNoObjects) {
		return &config.Error{Var: variable, Msg: fmt.Sprintf("no .json objects under %s; check the bucket and prefix", loc)}
	}
	if msg := source.Unreachable(err); msg != "" {
		what := loc.String()
		var oe *source.ObjectError
		if errors.As(err, &oe) {
			what = oe.URI // the object that failed, not only its prefix
		}
		return &config.Error{Var: variable, Msg: fmt.Sprintf("cannot read %s: %s", what, msg)}
	}
	return err
}

// checkRegions refuses a load whose COPY cannot read its objects: COPY
// sends REGION SPARKIFY_SOURCE_REGION, and then "all resources, including a
// manifest file or multiple Amazon S3 buckets, must be located in the
// specified Region" (copy-parameters-data-source-s3.html, REGION). The
// source buckets, the jsonpaths file's and the staging bucket (where the
// manifests are) must all be in SPARKIFY_SOURCE_REGION. A region the job
// cannot learn (no s3:GetBucketLocation) is logged and left to COPY.
func checkRegions(ctx context.Context, cfg config.Config, client *s3.Client, log *slog.Logger) error {
	type place struct {
		variable string
		loc      source.Location
	}
	places := []place{{"SONG_DATA", cfg.SongData}, {"LOG_DATA", cfg.LogData}}
	if jp, err := source.ParseLocation(cfg.LogJSONPath); err == nil && jp.Scheme == "s3" {
		places = append(places, place{"LOG_JSONPATH", jp})
	}
	if !cfg.StagingURI.IsZero() {
		places = append(places, place{"STAGING_URI", cfg.StagingURI.Location})
	}
	regions := map[string]string{}
	for _, p := range places {
		if p.loc.Scheme != "s3" {
			continue
		}
		region, ok := regions[p.loc.Bucket]
		if !ok {
			r, err := source.BucketRegion(ctx, client, p.loc.Bucket)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				log.Warn("could not learn a bucket's region (s3:GetBucketLocation); COPY fails if it is not SPARKIFY_SOURCE_REGION",
					"variable", config.Prefix+"_"+p.variable, "bucket", p.loc.Bucket, "source_region", cfg.SourceRegion, "error", err.Error())
				continue
			}
			region, regions[p.loc.Bucket] = r, r
		}
		if region == cfg.SourceRegion {
			continue
		}
		msg := fmt.Sprintf("bucket %s (SPARKIFY_%s) is in %s, but COPY reads with REGION '%s' (SPARKIFY_SOURCE_REGION), and Redshift requires every object COPY reads to be in that region",
			p.loc.Bucket, p.variable, region, cfg.SourceRegion)
		switch p.variable {
		case "SONG_DATA":
			return &config.Error{Var: "SOURCE_REGION", Msg: msg + ": set SPARKIFY_SOURCE_REGION=" + region}
		case "LOG_DATA":
			if other := regions[cfg.SongData.Bucket]; cfg.SongData.Scheme == "s3" && other != "" && other != region {
				return &config.Error{Var: "LOG_DATA", Msg: fmt.Sprintf("bucket %s is in %s and SPARKIFY_SONG_DATA's bucket %s in %s: COPY reads from one region (SPARKIFY_SOURCE_REGION); put both sources in one region",
					p.loc.Bucket, region, cfg.SongData.Bucket, other)}
			}
			return &config.Error{Var: "SOURCE_REGION", Msg: msg + ": set SPARKIFY_SOURCE_REGION=" + region}
		case "STAGING_URI":
			return &config.Error{Var: "STAGING_URI", Msg: msg + ", the manifests in the staging bucket included: set SPARKIFY_STAGING_URI to a bucket in " + cfg.SourceRegion + " (the sources' region)"}
		default:
			return &config.Error{Var: p.variable, Msg: msg + ": put the file in a bucket in " + cfg.SourceRegion}
		}
	}
	return nil
}
