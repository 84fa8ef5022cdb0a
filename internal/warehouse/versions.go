package warehouse

import "encoding/hex"

// versions is the ledger's object versions by ObjectID, compact: most
// versions are S3 ETags of single-part uploads, 32 hex digits (an MD5),
// kept as their 16 bytes; any other (a multipart ETag, a file's size and
// times) as a string. A million ETags take about 30 MB instead of 70 MB.
type versions struct {
	md5   map[int64][16]byte
	other map[int64]string
}

func newVersions() *versions {
	return &versions{md5: map[int64][16]byte{}, other: map[int64]string{}}
}

// asMD5 returns v's 16 bytes when v is 32 hex digits (lower case, as S3
// writes them; anything else is kept as text, so it compares exactly).
func asMD5(v string) (sum [16]byte, ok bool) {
	if len(v) != 32 {
		return sum, false
	}
	for i := 0; i < 32; i++ {
		if c := v[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return sum, false
		}
	}
	_, err := hex.Decode(sum[:], []byte(v))
	return sum, err == nil
}

func (vs *versions) set(id int64, v string) {
	if sum, ok := asMD5(v); ok {
		vs.md5[id] = sum
		return
	}
	vs.other[id] = v
}

// seen removes id and reports whether it was there, and with the same
// version as v.
func (vs *versions) seen(id int64, v string) (known, same bool) {
	if sum, ok := vs.md5[id]; ok {
		delete(vs.md5, id)
		s, isMD5 := asMD5(v)
		return true, isMD5 && s == sum
	}
	if old, ok := vs.other[id]; ok {
		delete(vs.other, id)
		return true, old == v
	}
	return false, false
}

func (vs *versions) remove(id int64) {
	delete(vs.md5, id)
	delete(vs.other, id)
}

// ids returns every id held.
func (vs *versions) ids() []int64 {
	out := make([]int64, 0, len(vs.md5)+len(vs.other))
	for id := range vs.md5 {
		out = append(out, id)
	}
	for id := range vs.other {
		out = append(out, id)
	}
	return out
}
