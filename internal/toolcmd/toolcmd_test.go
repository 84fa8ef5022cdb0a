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
