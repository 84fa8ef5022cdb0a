package warehouse

import (
	"reflect"
	"testing"
)

func TestNotListed(t *testing.T) {
	keys := []string{"song_data/A/x.json", "song_data/notes.txt", "song_data_old/y.json"}
	listed := []string{"s3://b/song_data/A/x.json"}
	want := []string{"s3://b/song_data/notes.txt", "s3://b/song_data_old/y.json"}
	if got := notListed("b", keys, listed); !reflect.DeepEqual(got, want) {
		t.Errorf("notListed = %q, want %q", got, want)
	}
	if got := notListed("b", keys[:1], listed); got != nil {
		t.Errorf("notListed with nothing extra = %q, want none", got)
	}
}
