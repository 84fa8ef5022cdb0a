package source

import (
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
)

// TestDecodeObjectShapes: objects that are not JSON records at all are one
// malformed record naming the problem, not one per line; a byte-order mark
// is skipped; keys match case-sensitively and may not repeat; a line over
// MaxRecord is one malformed record and the next line still loads.
func TestDecodeObjectShapes(t *testing.T) {
	good := `{"ts":1,"userId":"5"}`
	tests := []struct {
		name      string
		decode    DecodeFunc
		input     string
		wantRows  int
		wantBad   []string
		wantLines []int
	}{
		{"gzip log", DecodeEvents, "\x1f\x8b\x08\x00garbage\nmore\n", 0, []string{"gzip-compressed"}, []int{1}},
		{"gzip song", DecodeSongs, "\x1f\x8b\x08\x00garbage", 0, []string{"gzip-compressed"}, []int{1}},
		{"JSON array of events", DecodeEvents, "[\n" + good + ",\n" + good + "\n]\n", 0, []string{"holds a JSON array"}, []int{1}},
		{"JSON array of songs", DecodeSongs, `[{"song_id":"S","artist_id":"A"}]`, 0, []string{"holds a JSON array"}, []int{1}},
		{"byte-order mark skipped", DecodeEvents, "\xef\xbb\xbf" + good + "\n" + good + "\n", 2, nil, nil},
		{"key in another case", DecodeEvents, `{"ts":1,"USERID":"903"}` + "\n" + good, 1, []string{`key "USERID": keys are case-sensitive (as in Redshift's COPY); write "userId"`}, []int{1}},
		{"duplicate key", DecodeEvents, good + "\n" + `{"ts":1,"userId":"5","userId":"6"}`, 1, []string{`key "userId" is given twice`}, []int{2}},
		{"song key in another case", DecodeSongs, `{"Song_ID":"S","song_id":"S","artist_id":"A"}`, 0, []string{`key "Song_ID": keys are case-sensitive`}, []int{1}},
		{"line over MaxRecord", DecodeEvents, good + "\n" + `{"ts":1,"artist":"` + strings.Repeat("x", MaxRecord) + `"}` + "\n" + good + "\n", 2, []string{"line 2: longer than 256 KiB"}, []int{2}},
		{"song file over MaxRecord", DecodeSongs, `{"song_id":"S","artist_id":"A","title":"` + strings.Repeat("x", MaxRecord) + `"}`, 0, []string{"larger than 256 KiB"}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad := collect(t, tt.decode, tt.input)
			if len(rows) != tt.wantRows || len(bad) != len(tt.wantBad) {
				t.Fatalf("rows %d, bad %v; want %d rows and %d bad", len(rows), bad, tt.wantRows, len(tt.wantBad))
			}
			for i, b := range bad {
				if !strings.Contains(b.Error(), tt.wantBad[i]) || b.Line != tt.wantLines[i] {
					t.Errorf("bad record %q (line %d), want %q on line %d", b.Error(), b.Line, tt.wantBad[i], tt.wantLines[i])
				}
			}
		})
	}
}

// failingReader returns data, then a transport error.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestDecodeTransportFaultIsNotMalformed: a body cut off or reset mid-line
// fails the object naming it, and the partial line is not counted as a
// malformed record.
func TestDecodeTransportFaultIsNotMalformed(t *testing.T) {
	for _, cause := range []error{io.ErrUnexpectedEOF, syscall.ECONNRESET} {
		for _, decode := range []DecodeFunc{DecodeEvents, DecodeSongs} {
			var bad []*RecordError
			err := decode("s3://b/k.json", &failingReader{data: `{"ts":1,"userId":"5"}` + "\n" + `{"ts":2,"us`, err: cause},
				func([]any) error { return nil },
				func(e *RecordError) error { bad = append(bad, e); return nil })
			var oe *ObjectError
			if !errors.As(err, &oe) || oe.URI != "s3://b/k.json" || !errors.Is(err, cause) || len(bad) != 0 {
				t.Errorf("decode = %v (bad %v); want an ObjectError for s3://b/k.json wrapping %v and no malformed record", err, bad, cause)
			}
		}
	}
}

func TestReadLimited(t *testing.T) {
	for _, n := range []int{0, 1, 16 << 10, 16<<10 + 1, 100000} {
		for _, limit := range []int{1, 16 << 10, 50000} {
			got, err := readLimited(strings.NewReader(strings.Repeat("x", n)), limit)
			if err != nil || len(got) != min(n, limit) || cap(got) >= 2*max(limit, 16<<10) {
				t.Errorf("readLimited(%d bytes, %d) = %d bytes (cap %d), %v", n, limit, len(got), cap(got), err)
			}
		}
	}
}
