package toolcmd

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestList(t *testing.T) {
	var l List
	for _, s := range []string{"a, b", "", " c ,,"} {
		if err := l.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if want := (List{"a", "b", "c"}); !reflect.DeepEqual(l, want) || l.String() != "a,b,c" {
		t.Errorf("List = %q (%s), want %q", l, l.String(), want)
	}
}

func TestUsageAndOr(t *testing.T) {
	base := errors.New("bad flag")
	err := Usage(base)
	var ue UsageError
	if !errors.As(err, &ue) || !errors.Is(err, base) || err.Error() != "bad flag" {
		t.Errorf("Usage(%v) = %#v", base, err)
	}
	if Or("", "d") != "d" || Or("v", "d") != "v" {
		t.Error("Or does not fall back to the default only when empty")
	}
}

func TestDialAddr(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{":9000", "127.0.0.1:9000"}, {"0.0.0.0:5439", "127.0.0.1:5439"}, {"[::]:5439", "127.0.0.1:5439"},
		{"localhost:9000", "localhost:9000"}, {"10.1.2.3:9000", "10.1.2.3:9000"}, {"[::1]:9000", "[::1]:9000"},
	} {
		if got, err := DialAddr(tt.addr); got != tt.want || err != nil {
			t.Errorf("DialAddr(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
	_, err := DialAddr("9000")
	var ue UsageError
	if !errors.As(err, &ue) || err.Error() != `-addr "9000": address 9000: missing port in address` {
		t.Errorf("DialAddr(\"9000\") error %v, want a usage error naming -addr", err)
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		args      []string
		help, bad bool
	}{
		{nil, false, false}, {[]string{"-x", "1"}, false, false}, {[]string{"-help"}, true, false},
		{[]string{"-nope"}, false, true}, {[]string{"extra"}, false, true},
	} {
		fset := flag.NewFlagSet("t", flag.ContinueOnError)
		fset.SetOutput(io.Discard)
		fset.String("x", "", "")
		help, err := Parse(fset, tt.args)
		var ue UsageError
		if help != tt.help || (err != nil) != tt.bad || (err != nil && !errors.As(err, &ue)) {
			t.Errorf("Parse(%q) = %v, %v", tt.args, help, err)
		}
	}
}
