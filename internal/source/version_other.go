//go:build !linux

package source

import (
	"os"
	"path/filepath"
)

// versionAt is the version of the file name in the open directory dir.
func versionAt(dir *os.File, name string) (string, error) {
	st, err := os.Stat(filepath.Join(dir.Name(), name))
	if err != nil {
		return "", err
	}
	return fileVersion(st.Size(), st.ModTime().UnixNano()), nil
}
