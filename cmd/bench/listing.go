package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// targetListingKiB is the peak RSS a load of a million listed objects must
// stay under: the load CronJob's memory limit is 512 MiB, and the margin is
// for the Go runtime and the other allocations of a load.
const targetListingKiB = 350 * 1024

// listingResult is the memory of loads over a source of many objects: a
// first load that takes every object (only with -listing-first), and a
// load that finds them all in the ledger.
type listingResult struct {
	Objects int
	First   jobRun
	Again   jobRun
}

// genBucket is an S3 endpoint (path style, bucket "bench") that serves n
// generated one-song objects under song_data/NNN/ (1,000 a folder) and one
// log file, without holding them: keys, ETags and bodies are made from the
// object's number. It answers what the job asks of S3: ListObjectsV2 with
// and without a delimiter, and GetObject.
type genBucket struct{ n int }

const (
	genPerFolder = 1000
	genLogKey    = "log_data/2018-11-01-events.json"
	genLogBody   = `{"artist":"Artist 1","auth":"Logged In","firstName":"A","gender":"F","itemInSession":0,"lastName":"B","length":200.5,"level":"free","location":"X","method":"PUT","page":"NextSong","registration":null,"sessionId":1,"song":"Song 1","status":200,"ts":1541030400000,"userAgent":"UA","userId":"5"}` + "\n"
)

func (g genBucket) folder(f int) string { return fmt.Sprintf("song_data/%03d/", f) }

func (g genBucket) key(i int) string {
	return fmt.Sprintf("%sTR%08d.json", g.folder(i/genPerFolder), i)
}

func (g genBucket) folders() int { return (g.n + genPerFolder - 1) / genPerFolder }

type listEntry struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type listPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listResult struct {
	XMLName               xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string       `xml:"Name"`
	Prefix                string       `xml:"Prefix"`
	Delimiter             string       `xml:"Delimiter,omitempty"`
	KeyCount              int          `xml:"KeyCount"`
	MaxKeys               int          `xml:"MaxKeys"`
	IsTruncated           bool         `xml:"IsTruncated"`
	Contents              []listEntry  `xml:"Contents"`
	CommonPrefixes        []listPrefix `xml:"CommonPrefixes"`
	NextContinuationToken string       `xml:"NextContinuationToken,omitempty"`
}

func (g genBucket) entry(key string, i int) listEntry {
	return listEntry{Key: key, LastModified: "2018-11-01T00:00:00.000Z", ETag: fmt.Sprintf(`"%032x"`, i+1), Size: len(g.body(i)), StorageClass: "STANDARD"}
}

func (g genBucket) body(i int) string {
	return fmt.Sprintf(`{"num_songs":1,"artist_id":"AR%08d","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"Artist %d","song_id":"SO%08d","title":"Song %d","duration":200.5,"year":2000}`,
		i%100000, i%100000, i, i)
}

// list answers one ListObjectsV2 page: keys from start (the continuation
// token) under prefix, folded at the delimiter.
func (g genBucket) list(prefix, delimiter string, start int) listResult {
	r := listResult{Name: "bench", Prefix: prefix, Delimiter: delimiter, MaxKeys: genPerFolder}
	switch {
	case delimiter == "/" && (strings.HasPrefix("song_data/", prefix) && prefix != "song_data/" || strings.HasPrefix("log_data/", prefix) && prefix != "log_data/"):
		// Above the folders: song_data/ and log_data/ themselves.
		for _, p := range []string{"log_data/", "song_data/"} {
			if strings.HasPrefix(p, prefix) {
				r.CommonPrefixes = append(r.CommonPrefixes, listPrefix{p})
			}
		}
	case prefix == "log_data/" || strings.HasPrefix(genLogKey, prefix) && strings.HasPrefix(prefix, "log_data/"):
		r.Contents = []listEntry{{Key: genLogKey, LastModified: "2018-11-01T00:00:00.000Z", ETag: `"0000000000000000000000000000000l"`, Size: len(genLogBody), StorageClass: "STANDARD"}}
	case prefix == "song_data/" && delimiter == "/":
		for f := start; f < g.folders() && len(r.CommonPrefixes) < genPerFolder; f++ {
			r.CommonPrefixes = append(r.CommonPrefixes, listPrefix{g.folder(f)})
		}
		if next := start + len(r.CommonPrefixes); next < g.folders() {
			r.IsTruncated, r.NextContinuationToken = true, strconv.Itoa(next)
		}
	case strings.HasPrefix(prefix, "song_data/"):
		// A folder, or all of song_data/ without a delimiter.
		first, last := 0, g.n
		if rest := strings.TrimPrefix(prefix, "song_data/"); rest != "" {
			f, err := strconv.Atoi(strings.TrimSuffix(rest, "/"))
			if err != nil || !strings.HasSuffix(rest, "/") {
				break
			}
			first, last = f*genPerFolder, min((f+1)*genPerFolder, g.n)
		}
		for i := max(first, start); i < last && len(r.Contents) < genPerFolder; i++ {
			r.Contents = append(r.Contents, g.entry(g.key(i), i))
		}
		if next := max(first, start) + len(r.Contents); next < last {
			r.IsTruncated, r.NextContinuationToken = true, strconv.Itoa(next)
		}
	}
	r.KeyCount = len(r.Contents) + len(r.CommonPrefixes)
	return r
}

func (g genBucket) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	path := strings.TrimPrefix(req.URL.Path, "/bench")
	q := req.URL.Query()
	switch {
	case path == "" || path == "/":
		start, _ := strconv.Atoi(q.Get("continuation-token"))
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(xml.Header))
		_ = xml.NewEncoder(w).Encode(g.list(q.Get("prefix"), q.Get("delimiter"), start))
	case path == "/"+genLogKey:
		_, _ = w.Write([]byte(genLogBody))
	default:
		var i int
		if _, err := fmt.Sscanf(filepath.Base(path), "TR%08d.json", &i); err != nil || i >= g.n || "/"+g.key(i) != path {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>`))
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%032x"`, i+1))
		_, _ = w.Write([]byte(g.body(i)))
	}
}

// listingRun measures the peak RSS of a load over a source of
// -listing-objects objects that the warehouse already holds: the daily
// case, where every object is listed and compared with the ledger and
// nothing is staged. A first load of the first folder creates the schema;
// the ledger is then given every generated object with its ETag, as a
// first load of all of them would leave it (staging a million objects
// through this machine's loopback takes a quarter of an hour, and is not
// what this measures). With -listing-first the million-object first load
// is run and measured too.
func (b *bench) listingRun(ctx context.Context) (*listingResult, error) {
	l := &listingResult{Objects: b.opts.listingObjects}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: genBucket{n: l.Objects}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	dbURL, err := b.pg.createDB(ctx, "bench_listing")
	if err != nil {
		return nil, err
	}
	defer b.pg.dropDB("bench_listing", b.log)
	env := b.jobEnv(dbURL, b.s3Env(ln.Addr().String()))
	env = append(env, "GOMEMLIMIT="+strconv.FormatInt(cronJobGoLimit, 10))
	var res runResult
	if b.opts.listingFirst {
		b.logf("many objects: first load of %s generated one-song objects", fmtInt(l.Objects))
		if l.First, res, err = b.runJob(ctx, "listing-first", env); err != nil {
			return nil, err
		}
		b.checkStaged(0, fmt.Sprintf("%s objects, first load", fmtInt(l.Objects)), res, 1, l.Objects)
	} else {
		b.logf("many objects: schema, then a ledger of %s objects", fmtInt(l.Objects))
		first := append(slices.Clip(env), "SPARKIFY_SONG_DATA=s3://bench/song_data/000/")
		if _, _, err := b.runJob(ctx, "listing-schema", first); err != nil {
			return nil, err
		}
		if err := seedLedger(ctx, dbURL, l.Objects); err != nil {
			return nil, err
		}
	}
	b.logf("many objects: a load that lists %s objects, every one in the ledger", fmtInt(l.Objects))
	if l.Again, res, err = b.runJob(ctx, "listing-again", env); err != nil {
		return nil, err
	}
	b.checkStaged(0, fmt.Sprintf("%s objects, again", fmtInt(l.Objects)), res, 0, 0)
	return l, nil
}

// cronJobGoLimit is the Go memory limit the job gives itself in the load
// CronJob's container (512 MiB: its rule in internal/cli/memlimit.go); the
// many-object runs are given it through GOMEMLIMIT, so that their peak is
// the one a pod would see.
const cronJobGoLimit = (512 << 20) / 20 * 11

// seedLedger records the generated objects in sparkify_objects with their
// ETags, as a first load of them would.
func seedLedger(ctx context.Context, dbURL string, n int) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM sparkify_objects WHERE uri LIKE 's3://bench/song_data/%'`); err != nil {
		return fmt.Errorf("seed the ledger: %w", err)
	}
	// object_id is the job's ObjectID: the first 8 bytes of the URI's
	// SHA-256 as a signed big-endian integer.
	_, err = conn.Exec(ctx, `INSERT INTO sparkify_objects (uri, object_id, version, load_id)
		SELECT uri, ('x' || substr(encode(sha256(convert_to(uri, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint, version, 'bench'
		FROM (
		    SELECT 's3://bench/song_data/' || lpad((i / `+strconv.Itoa(genPerFolder)+`)::text, 3, '0') || '/TR' || lpad(i::text, 8, '0') || '.json' AS uri,
		           lpad(to_hex(i + 1), 32, '0') AS version
		    FROM generate_series(0, $1::int - 1) AS i
		) g`, n)
	if err != nil {
		return fmt.Errorf("seed the ledger: %w", err)
	}
	return nil
}
