package jsontest

import "testing"

func TestLines(t *testing.T) {
	tests := []struct {
		in string
		ok bool
		n  int
	}{
		{`{"a":1}` + "\n" + `{"b":{"c":[{"d":1}]}}` + "\n", true, 2},
		{"", true, 0},
		{`{"time":1,"time":2}`, false, 0},
		{`{"a":{"x":1,"x":2}}`, false, 0},
		{`{"a":[{"x":1,"x":2}]}`, false, 0},
		{"job: load failed", false, 0},
		{`[1,2]`, false, 0},
	}
	for _, tt := range tests {
		recs, err := Lines(tt.in)
		if (err == nil) != tt.ok || len(recs) != tt.n {
			t.Errorf("Lines(%q) = %d records, %v; want ok %v with %d", tt.in, len(recs), err, tt.ok, tt.n)
		}
	}
}
