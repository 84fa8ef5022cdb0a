package warehouse

import (
	"reflect"
	"testing"

	"github.com/sparkify/warehouse/internal/source"
)

func TestLedgerTake(t *testing.T) {
	l := &Ledger{known: map[string]string{"s3://b/a.json": "v1", "s3://b/b.json": "v1"}, counts: map[string]*ObjectCounts{}}
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
	known := func() map[string]string {
		return map[string]string{
			"s3://b/log_data/2018/11/01.json":     "v1",
			"s3://b/log_data/2018/11/02.json":     "v1", // deleted
			"s3://b/log_data_old/2018/03.json":    "v1", // another prefix
			"s3://other/log_data/2018/11/04.json": "v1", // another bucket
			"s3://b/song_data/A/x.json":           "v1",
		}
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
			l := &Ledger{known: known(), counts: map[string]*ObjectCounts{}}
			l.Take("staging_events", source.Object{URI: "s3://b/log_data/2018/11/01.json", Version: "v1"})
			l.Deleted("staging_events", loc, tt.policy)
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
