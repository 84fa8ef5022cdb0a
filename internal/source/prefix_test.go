package source

import "testing"

func TestInPrefix(t *testing.T) {
	tests := []struct {
		prefix, key string
		want        bool
	}{
		{"song_data", "song_data/A/B/x.json", true},
		{"song_data", "song_data_old/x.json", false},
		{"song_data/", "song_data/x.json", true},
		{"log_data/2018/11/2018-11-01", "log_data/2018/11/2018-11-01-events.json", true},
		{"log_data/2018/11/2018-11-0", "log_data/2018/11/2018-11-02-events.json", true},
		{"log_data/2018/1", "log_data/2018/11/2018-11-02-events.json", false},
		{"", "anything/at/all.json", true},
		{"song_data", "other/x.json", false},
		{"/data/song_data", "/data/song_data/A/x.json", true},
		{"/data/song", "/data/song_data/A/x.json", false},
	}
	for _, tt := range tests {
		if got := InPrefix(tt.prefix, tt.key); got != tt.want {
			t.Errorf("InPrefix(%q, %q) = %v, want %v", tt.prefix, tt.key, got, tt.want)
		}
	}
}
