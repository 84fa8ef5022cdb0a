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
