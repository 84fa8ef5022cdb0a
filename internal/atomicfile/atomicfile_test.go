package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name    string
		old     []byte // content before the write; nil: no file
		path    string // relative to a fresh directory
		data    []byte
		perm    fs.FileMode
		wantErr error // errors.Is target; nil: success
	}{
		{name: "writes a new file", path: "a.txt", data: []byte("hello\n"), perm: 0o644},
		{name: "replaces a file", old: []byte("old content, longer than the new\n"), path: "a.txt", data: []byte("new\n"), perm: 0o644},
		{name: "writes an empty file", path: "a.txt", data: []byte{}, perm: 0o644},
		{name: "sets permission bits beyond the umask", path: "a.txt", data: []byte("x"), perm: 0o666},
		{name: "sets restrictive permission bits", old: []byte("old"), path: "a.txt", data: []byte("x"), perm: 0o600},
		{name: "fails in a missing directory", path: "missing/a.txt", data: []byte("x"), perm: 0o644, wantErr: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.path)
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := WriteFile(path, tt.data, tt.perm)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("WriteFile = %v, want %v", err, tt.wantErr)
				}
				if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("after a failed write, Stat(%s) = %v, want not exist", tt.path, err)
				}
			} else {
				if err != nil {
					t.Fatalf("WriteFile: %v", err)
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(tt.data) {
					t.Errorf("content = %q, want %q", got, tt.data)
				}
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != tt.perm {
					t.Errorf("permission bits = %v, want %v", fi.Mode().Perm(), tt.perm)
				}
			}
			assertOnly(t, dir, tt.wantErr == nil || tt.old != nil, filepath.Base(tt.path))
		})
	}
}

// TestWriteFileRenameFails writes over a non-empty directory: the temporary
// file is written but cannot be renamed, and is removed.
func TestWriteFileRenameFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o644); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if got, err := os.ReadFile(filepath.Join(path, "inside")); err != nil || string(got) != "old" {
		t.Errorf("directory content = %q, %v; want it kept", got, err)
	}
	assertOnly(t, dir, true, "a.txt")
}

// assertOnly checks that dir holds name (when want) and nothing else: no
// temporary file is left behind.
func assertOnly(t *testing.T, dir string, want bool, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	var wantNames []string
	if want {
		wantNames = []string{name}
	}
	if !slices.Equal(got, wantNames) {
		t.Errorf("directory holds %v, want %v", got, wantNames)
	}
}
