//go:build !linux

package source

import (
	"os"
	"path/filepath"
)

// versionAt is the version of the file name in the open directory dir: its
// size and modification time (on Linux also its change time and inode, so
// that a rewrite that keeps both is seen).
func versionAt(dir *os.File, name string) (string, error) {
	st, err := os.Stat(filepath.Join(dir.Name(), name))
	if err != nil {
		return "", err
	}
	return fileVersion(st.Size(), st.ModTime().UnixNano()), nil
}
