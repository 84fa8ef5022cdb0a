package warehouse

import (
	"reflect"
	"testing"

	"github.com/sparkify/warehouse/internal/source"
)

func TestLedgerTake(t *testing.T) {
	l := &Ledger{known: newVersions(), counts: map[string]*ObjectCounts{}}
	l.known.set(ObjectID("s3://b/a.json"), "v1")
	l.known.set(ObjectID("s3://b/b.json"), "v1")
	for _, o := range []source.Object{
		{URI: "s3://b/a.json", Version: "v1"}, // loaded before
		{URI: "s3://b/b.json", Version: "v2"}, // changed
		{URI: "s3://b/c.json", Version: "v1"}, // new
		{URI: "s3://b/d.json", Version: ""},   // no version: always staged
	} {
		l.Take("staging_events", o)
	}
	if got, want := l.Counts("staging_events"), (ObjectCounts{New: 2, Changed: 1, Skipped: 1}); got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	var taken []string
	for _, o := range l.taken {
		taken = append(taken, o.URI)
	}
	if want := []string{"s3://b/b.json", "s3://b/c.json", "s3://b/d.json"}; !reflect.DeepEqual(taken, want) {
		t.Errorf("taken = %q, want %q", taken, want)
	}

	full := &Ledger{counts: map[string]*ObjectCounts{}} // a full refresh knows nothing
	full.Take("staging_songs", source.Object{URI: "s3://b/a.json", Version: "v1"})
	if got := full.Counts("staging_songs"); got != (ObjectCounts{New: 1}) {
		t.Errorf("full refresh counts = %+v", got)
	}
}

func TestLedgerDeleted(t *testing.T) {
	uris := []string{
		"s3://b/log_data/2018/11/01.json",
		"s3://b/log_data/2018/11/02.json",     // deleted
		"s3://b/log_data_old/2018/03.json",    // another prefix
		"s3://other/log_data/2018/11/04.json", // another bucket
		"s3://b/song_data/A/x.json",
	}
	loc := source.Location{Scheme: "s3", Bucket: "b", Path: "log_data"}
	for _, tt := range []struct {
		policy    DeletedSources
		want      ObjectCounts
		retracted []string
	}{
		{KeepDeleted, ObjectCounts{Skipped: 1, Deleted: 1}, nil},
		{RetractDeleted, ObjectCounts{Skipped: 1, Deleted: 1, Retracted: 1}, []string{"s3://b/log_data/2018/11/02.json"}},
	} {
		t.Run(string(tt.policy), func(t *testing.T) {
			l := &Ledger{known: newVersions(), counts: map[string]*ObjectCounts{}}
			for _, u := range uris {
				l.known.set(ObjectID(u), "v1")
			}
			l.Take("staging_events", source.Object{URI: uris[0], Version: "v1"})
			unseen := map[int64]string{}
			for _, id := range l.known.ids() {
				for _, u := range uris {
					if ObjectID(u) == id {
						unseen[id] = u
					}
				}
			}
			if len(unseen) != 4 {
				t.Fatalf("%d objects unseen after the listing, want 4", len(unseen))
			}
			l.countDeleted("staging_events", loc, tt.policy, unseen)
			if got := l.Counts("staging_events"); got != tt.want {
				t.Errorf("counts = %+v, want %+v", got, tt.want)
			}
			if !reflect.DeepEqual(l.retracted, tt.retracted) {
				t.Errorf("retracted = %q, want %q", l.retracted, tt.retracted)
			}
			if got, want := l.Changes(), tt.policy == RetractDeleted; got != want {
				t.Errorf("Changes() = %v, want %v", got, want)
			}
		})
	}
}

func TestObjectIDIsStable(t *testing.T) {
	// The id is part of the warehouse's data (source_object): a job of
	// another version must compute the same one, or it would no longer find
	// the rows of an object it replaces.
	if got, want := ObjectID("s3://udacity-dend/log_data/2018/11/2018-11-01-events.json"), int64(5564419383071549801); got != want {
		t.Errorf("ObjectID = %d, want %d", got, want)
	}
	if ObjectID("s3://b/a.json") == ObjectID("s3://b/b.json") {
		t.Error("two URIs share an id")
	}
}

func TestVersions(t *testing.T) {
	vs := newVersions()
	etag, other, upper := "0cc175b9c0f1b6a831c399e269772661", "10-1541030400000000000-1541030400000000000-42", "0CC175B9C0F1B6A831C399E269772661"
	vs.set(1, etag)
	vs.set(2, other)
	vs.set(3, upper)
	vs.set(4, etag)
	if len(vs.md5) != 2 || len(vs.other) != 2 {
		t.Fatalf("%d compact and %d text versions, want 2 and 2", len(vs.md5), len(vs.other))
	}
	for _, tt := range []struct {
		id          int64
		v           string
		known, same bool
	}{
		{1, etag, true, true},
		{1, etag, false, false}, // seen once
		{2, other, true, true},
		{3, etag, true, false}, // text, compared exactly
		{4, "1cc175b9c0f1b6a831c399e269772661", true, false},
		{5, etag, false, false},
	} {
		if known, same := vs.seen(tt.id, tt.v); known != tt.known || same != tt.same {
			t.Errorf("seen(%d, %q) = %v, %v; want %v, %v", tt.id, tt.v, known, same, tt.known, tt.same)
		}
	}
	if ids := vs.ids(); len(ids) != 0 {
		t.Errorf("ids left: %v", ids)
	}
}
