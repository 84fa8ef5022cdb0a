package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/source"
)

// selectObjects lists the sources, decides with the ledger which objects
// the load takes and writes their manifests. Redshift's COPY cannot tell
// which object a row came from, so the rows of a changed or retracted
// object cannot be found: such a load rebuilds from every object as it is
// now. Without a staging location COPY reads whole prefixes, and every
// load is a full one.
func (e *redshiftEngine) selectObjects(ctx context.Context, src *Sources, s Session) (*Plan, error) {
	ledger, err := ReadLedger(ctx, s, src.plan, src.FullRefresh || src.StagingURI.IsZero())
	if err != nil {
		return nil, err
	}
	o := src.plan.opts
	client, err := src.s3Client(ctx)
	if err != nil {
		return nil, err
	}
	if err := src.checkRegions(ctx, o, client); err != nil {
		return nil, err
	}
	if !src.StagingURI.IsZero() {
		src.removeStaleManifests(ctx, client)
	}
	err = src.copySources(ctx, client, &o, ledger, s)
	if err == nil && ledger.Replaces() {
		src.log.Info("a source object changed or was retracted: Redshift rebuilds the star tables from every object")
		src.Close()
		o.SongManifest, o.LogManifest, o.NoSongs, o.NoLogs = "", "", false, false
		listed := ledger
		if ledger, err = ReadLedger(ctx, s, src.plan, true); err != nil {
			return nil, err
		}
		err = src.copySources(ctx, client, &o, ledger, s)
		ledger.ReportAs(listed)
	}
	src.Ledger = ledger
	if err != nil {
		return nil, err
	}
	return BuildPlan(src.plan.fsys, o)
}

// openSources does nothing: Redshift reads the objects itself.
func (*redshiftEngine) openSources(context.Context, *Sources) error { return nil }

// copySources makes each Redshift COPY read exactly the objects the Postgres
// stager would read: the job lists the sources itself (the .json keys in
// the folder of each prefix, source.InPrefix). With SPARKIFY_STAGING_URI it
// writes a manifest of them for each COPY and sets opts' manifests, which
// Close removes. Without, it requires that COPY's own reading of the
// prefix (every key that starts with it) gives the same objects, and
// refuses the load otherwise, naming an object and the fix. With a
// manifest, only the objects the ledger lets the load take are in it, and
// a source with none has no COPY at all; without, every COPY reads the
// whole prefix, and all its objects count as taken.
func (src *Sources) copySources(ctx context.Context, client *s3.Client, opts *Options, ledger *Ledger, q Querier) error {
	run := make([]byte, 4)
	_, _ = rand.Read(run)
	dir := time.Now().UTC().Format(manifestTime) + "-" + hex.EncodeToString(run)
	for _, c := range []copySource{
		{"SONG_DATA", "staging_songs", opts.SongData, &opts.SongManifest, &opts.NoSongs, "songs.manifest"},
		{"LOG_DATA", "staging_events", opts.LogData, &opts.LogManifest, &opts.NoLogs, "logs.manifest"},
	} {
		uris, taken, err := src.list(ctx, client, c, ledger, q)
		if err != nil {
			return err
		}
		if src.StagingURI.IsZero() {
			if err := wholePrefix(ctx, client, c, uris); err != nil {
				return err
			}
			continue
		}
		if err := src.writeManifest(ctx, client, c, path.Join("manifests", dir, c.file), taken); err != nil {
			return err
		}
	}
	return nil
}

// copySource is one COPY's source: its setting, staging table and
// location, and the plan options its manifest sets.
type copySource struct {
	option, table string
	loc           source.Location
	manifest      *string
	none          *bool
	file          string
}

// list lists a source and returns its objects' URIs and those the ledger
// lets the load take; then it finds the objects the source lost.
func (src *Sources) list(ctx context.Context, client *s3.Client, c copySource, ledger *Ledger, q Querier) (uris, taken []string, err error) {
	store, err := source.Open(c.loc, client, src.S3.Timeout)
	if err != nil {
		return nil, nil, err
	}
	err = store.List(ctx, func(o source.Object) error {
		uris = append(uris, o.URI)
		if ledger.Take(c.table, o) {
			taken = append(taken, o.URI)
		}
		return nil
	})
	if err == nil && len(uris) == 0 {
		err = source.ErrNoObjects
	}
	if err != nil {
		return nil, nil, SourceError(c.option, c.loc, err)
	}
	if !ledger.Rebuild() {
		if err := ledger.Deleted(ctx, q, c.table, c.loc, src.Deleted); err != nil {
			return nil, nil, err
		}
	}
	return uris, taken, nil
}

// wholePrefix refuses a COPY of the whole prefix that would read objects
// the load does not take.
func wholePrefix(ctx context.Context, client *s3.Client, c copySource, uris []string) error {
	keys, err := source.CopyKeys(ctx, client, c.loc)
	if err != nil {
		return SourceError(c.option, c.loc, err)
	}
	if extra := notListed(c.loc.Bucket, keys, uris); len(extra) > 0 {
		return &ValueError{Option: c.option, Msg: fmt.Sprintf(
			"COPY FROM %s would also read %s (%d objects in all) that the load does not take (keys outside the folder, or not .json): "+
				"set SPARKIFY_STAGING_URI to a writable s3://bucket/prefix, so that COPY reads a manifest of the job's own objects, or narrow the prefix",
			c.loc, extra[0], len(extra))}
	}
	return nil
}

// writeManifest writes the manifest of the objects taken from a source at
// name under the staging location, and sets the plan's options to read
// it; a source with nothing taken has no COPY. Close removes it.
func (src *Sources) writeManifest(ctx context.Context, client *s3.Client, c copySource, name string, taken []string) error {
	if len(taken) == 0 {
		*c.none = true
		src.log.Info("no new or changed objects: no COPY", "source", c.loc.String())
		return nil
	}
	m := src.StagingURI
	m.Path = path.Join(m.Path, name)
	body, err := Manifest(taken)
	if err != nil {
		return err
	}
	if err := source.PutObject(ctx, client, m, body); err != nil {
		return SourceError("STAGING_URI", src.StagingURI, err)
	}
	src.onClose(func() {
		if err := source.DeleteObject(context.WithoutCancel(ctx), client, m); err != nil {
			src.log.Warn("could not remove a COPY manifest", "manifest", m.String(), "error", err)
		}
	})
	*c.manifest = m.String()
	src.log.Info("COPY manifest written", "manifest", m.String(), "objects", len(taken))
	return nil
}

// manifestTime starts the name of each load's manifest folder.
const manifestTime = "20060102T150405Z"

// removeStaleManifests removes the manifests that loads killed before their
// cleanup left under SPARKIFY_STAGING_URI: those whose folder is older than
// SPARKIFY_LOCK_TIMEOUT and an hour. A live load waits at most the lock
// timeout before its COPYs, which read its manifests at once, so such a
// folder's load has finished with them or is gone. Best effort: a failure
// is logged, and the next load tries again.
func (src *Sources) removeStaleManifests(ctx context.Context, client *s3.Client) {
	log := src.log
	dir := src.StagingURI
	dir.Path = path.Join(dir.Path, "manifests") + "/"
	keys, err := source.CopyKeys(ctx, client, dir)
	if err != nil {
		log.Warn("could not list old COPY manifests", "prefix", dir.String(), "error", err.Error())
		return
	}
	cutoff := time.Now().Add(-src.LockTimeout - time.Hour)
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

// checkRegions refuses a load whose COPY cannot read its objects: COPY
// sends REGION SPARKIFY_SOURCE_REGION, and then "all resources, including a
// manifest file or multiple Amazon S3 buckets, must be located in the
// specified Region" (copy-parameters-data-source-s3.html, REGION). The
// source buckets, the jsonpaths file's and the staging bucket (where the
// manifests are) must all be in SPARKIFY_SOURCE_REGION. A region the job
// cannot learn (no s3:GetBucketLocation) is logged and left to COPY.
func (src *Sources) checkRegions(ctx context.Context, o Options, client *s3.Client) error {
	places := []place{{"SONG_DATA", o.SongData}, {"LOG_DATA", o.LogData}}
	if jp, err := source.ParseLocation(o.LogJSONPath); err == nil && jp.Scheme == "s3" {
		places = append(places, place{"LOG_JSONPATH", jp})
	}
	if !src.StagingURI.IsZero() {
		places = append(places, place{"STAGING_URI", src.StagingURI})
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
				src.log.Warn("could not learn a bucket's region (s3:GetBucketLocation); COPY fails if it is not SPARKIFY_SOURCE_REGION",
					"variable", "SPARKIFY_"+p.option, "bucket", p.loc.Bucket, "source_region", o.Region, "error", err.Error())
				continue
			}
			region, regions[p.loc.Bucket] = r, r
		}
		if region != o.Region {
			return regionError(o, p, region, regions)
		}
	}
	return nil
}

// place is a setting's S3 location.
type place struct {
	option string
	loc    source.Location
}

// regionError is the error of a place whose bucket is in another region
// than COPY's, with the setting to change.
func regionError(o Options, p place, region string, regions map[string]string) error {
	msg := fmt.Sprintf("bucket %s (SPARKIFY_%s) is in %s, but COPY reads with REGION '%s' (SPARKIFY_SOURCE_REGION), and Redshift requires every object COPY reads to be in that region",
		p.loc.Bucket, p.option, region, o.Region)
	switch p.option {
	case "SONG_DATA":
		return &ValueError{Option: "SOURCE_REGION", Msg: msg + ": set SPARKIFY_SOURCE_REGION=" + region}
	case "LOG_DATA":
		if other := regions[o.SongData.Bucket]; o.SongData.Scheme == "s3" && other != "" && other != region {
			return &ValueError{Option: "LOG_DATA", Msg: fmt.Sprintf("bucket %s is in %s and SPARKIFY_SONG_DATA's bucket %s in %s: COPY reads from one region (SPARKIFY_SOURCE_REGION); put both sources in one region",
				p.loc.Bucket, region, o.SongData.Bucket, other)}
		}
		return &ValueError{Option: "SOURCE_REGION", Msg: msg + ": set SPARKIFY_SOURCE_REGION=" + region}
	case "STAGING_URI":
		return &ValueError{Option: "STAGING_URI", Msg: msg + ", the manifests in the staging bucket included: set SPARKIFY_STAGING_URI to a bucket in " + o.Region + " (the sources' region)"}
	}
	return &ValueError{Option: p.option, Msg: msg + ": put the file in a bucket in " + o.Region}
}
