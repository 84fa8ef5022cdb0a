package cli

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// cgroupLimitFiles hold the container's memory limit: cgroup v2, then v1.
var cgroupLimitFiles = []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"}

// containerMemoryLimit returns the memory limit of the cgroup the process
// runs in, read below root ("/" in production), or 0 when there is none.
func containerMemoryLimit(root string) int64 {
	for _, f := range cgroupLimitFiles {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // "max", or v1's "no limit"
			return 0
		}
		return n
	}
	return 0
}

// setMemoryLimit gives the Go runtime a soft memory limit of 55% of the
// container's, unless GOMEMLIMIT is set: the collector then works harder as
// the heap nears the limit instead of letting garbage push the process
// into an out-of-memory kill. The other 45% are for what the limit does not
// count or cannot hold back: goroutine stacks of the S3 readers, the HTTP
// and database connections' buffers, and the heap's overshoot while the
// collector catches up (a load listing a million objects holds about 200
// MB of them, and sits near the limit). It returns the limit set, or 0.
func setMemoryLimit(root string) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit := containerMemoryLimit(root) / 20 * 11
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return limit
}
