package source

import "testing"

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in   string
		want Location
		ok   bool
	}{
		{"s3://udacity-dend/song_data", Location{Scheme: "s3", Bucket: "udacity-dend", Path: "song_data"}, true},
		{"s3://udacity-dend", Location{Scheme: "s3", Bucket: "udacity-dend"}, true},
		{"s3://my.bucket-1/log_data/2018/11/2018-11-01", Location{Scheme: "s3", Bucket: "my.bucket-1", Path: "log_data/2018/11/2018-11-01"}, true},
		{"file:///data/song_data", Location{Scheme: "file", Path: "/data/song_data"}, true},
		{"file://data", Location{}, false},
		{"s3://ab/x", Location{}, false},
		{"s3://-bucket/x", Location{}, false},
		{"s3://Bucket/x", Location{}, false},
		{"s3:/bucket/x", Location{}, false},
		{"/data/song_data", Location{}, false},
		{"", Location{}, false},
		{"file:///x\nDROP TABLE songs; --", Location{}, false},
		{"s3://bucket/a\tb", Location{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLocation(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseLocation(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}
