package testkit

import (
	"errors"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sparkify/warehouse"

// TestProductDoesNotImportTestkit fails when a package of the job (cmd/job,
// or internal outside internal/testkit) imports test equipment, directly or
// through another package, with or without the integration tag. Test files
// may.
func TestProductDoesNotImportTestkit(t *testing.T) {
	for _, tags := range []string{"", "integration"} {
		t.Run("tags="+tags, func(t *testing.T) {
			deps := productDeps(t, tags)
			for _, pkg := range slices.Sorted(maps.Keys(deps)) {
				for _, d := range deps[pkg] {
					if isTestkit(d) {
						t.Errorf("%s imports %s: internal/testkit is test equipment, which the job never imports", pkg, d)
					}
				}
			}
		})
	}
}

// productDeps returns, for each package of cmd/job and internal except
// internal/testkit, the packages it imports directly or indirectly (test
// files left out), as go list reports them.
func productDeps(t *testing.T, tags string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags="+tags, "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}",
		module+"/cmd/job", module+"/internal/...").Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 || isTestkit(f[0]) {
			continue
		}
		deps[f[0]] = f[1:]
	}
	if _, ok := deps[module+"/cmd/job"]; !ok || len(deps) < 10 {
		t.Fatalf("go list listed %d packages, without cmd/job or too few:\n%s", len(deps), out)
	}
	return deps
}

func isTestkit(pkg string) bool {
	return pkg == module+"/internal/testkit" || strings.HasPrefix(pkg, module+"/internal/testkit/")
}
