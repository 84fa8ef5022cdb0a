package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestContainerMemoryLimit(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                int64
	}{
		{"cgroup v2", "sys/fs/cgroup/memory.max", "536870912\n", 536870912},
		{"cgroup v2 without limit", "sys/fs/cgroup/memory.max", "max\n", 0},
		{"cgroup v1", "sys/fs/cgroup/memory/memory.limit_in_bytes", "268435456\n", 268435456},
		{"cgroup v1 without limit", "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n", 0},
		{"no cgroup files", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.file != "" {
				p := filepath.Join(root, tt.file)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := containerMemoryLimit(root); got != tt.want {
				t.Errorf("containerMemoryLimit = %d, want %d", got, tt.want)
			}
		})
	}
}
