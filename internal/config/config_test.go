package config

import (
	"testing"
)

func TestParseURI(t *testing.T) {
	tests := []struct {
		in   string
		want URI
		ok   bool
	}{
		{"s3://udacity-dend/song_data", URI{Scheme: "s3", Bucket: "udacity-dend", Path: "song_data"}, true},
		{"s3://udacity-dend", URI{Scheme: "s3", Bucket: "udacity-dend"}, true},
		{"s3://my.bucket-1/log_data/2018/11/2018-11-01", URI{Scheme: "s3", Bucket: "my.bucket-1", Path: "log_data/2018/11/2018-11-01"}, true},
		{"file:///data/song_data", URI{Scheme: "file", Path: "/data/song_data"}, true},
		{"file://data", URI{}, false},
		{"s3://ab/x", URI{}, false},
		{"s3://-bucket/x", URI{}, false},
		{"s3://Bucket/x", URI{}, false},
		{"s3:/bucket/x", URI{}, false},
		{"/data/song_data", URI{}, false},
		{"", URI{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseURI(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseURI(%q) = %+v, %v; want %+v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestRequireDatabase(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"postgres://u:p@localhost:5432/sparkify?sslmode=disable", true},
		{"postgresql://u@h/db", true},
		{"", false},
		{"mysql://u@h/db", false},
		{"postgres://u@h:5432", false},
		{"postgres:///db", false},
	}
	for _, tt := range tests {
		c := Config{DatabaseURL: tt.url}
		err := c.RequireDatabase()
		if (err == nil) != tt.ok {
			t.Errorf("RequireDatabase(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
		if err != nil {
			if ce, ok := err.(*Error); !ok || ce.Var != "DATABASE_URL" {
				t.Errorf("RequireDatabase(%q) = %v, want an *Error naming DATABASE_URL", tt.url, err)
			}
		}
	}
}
