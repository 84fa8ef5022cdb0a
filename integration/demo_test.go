//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMakeDemo runs the README's quick start as written, on a stack of its
// own (compose project, network, ports and report folder, so that it does
// not meet a demo already running): make demo, the README's "Look at what
// was loaded" queries against the stack make demo leaves running, then make
// demo DEMO_TARGET=redshift and the queries again. The images are those of
// the suite (SPARKIFY_TEST_POSTGRES_IMAGE, SPARKIFY_TEST_S3_IMAGE, and
// JOB_IMAGE and REDSHIFTEMU_IMAGE when set), which make demo builds when
// they are missing or out of date.
func TestMakeDemo(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed: apt-get install make")
	}
	compose := composeCommand(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	project := fmt.Sprintf("sparkify-demo-test-%d", os.Getpid())
	report := t.TempDir()
	env := append(os.Environ(),
		"COMPOSE_PROJECT_NAME="+project,
		"SPARKIFY_DEMO_NETWORK="+project,
		"SPARKIFY_DEMO_PG_PORT="+freePort(t),
		"SPARKIFY_DEMO_S3_PORT="+freePort(t),
		"SPARKIFY_DEMO_REDSHIFT_PORT="+freePort(t),
		"DEMO_REPORT_DIR="+report,
	)
	if img := os.Getenv("SPARKIFY_TEST_POSTGRES_IMAGE"); img != "" {
		env = append(env, "POSTGRES_IMAGE="+img)
	}
	if img := os.Getenv("SPARKIFY_TEST_S3_IMAGE"); img != "" {
		env = append(env, "S3_IMAGE="+img)
	}
	t.Cleanup(func() {
		cmd := exec.Command("bash", "-c", compose+" --profile redshift down -v --remove-orphans")
		cmd.Dir, cmd.Env = root, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s down: %v\n%s", compose, err, out)
		}
	})
	queries := lookQueries(t, filepath.Join(root, "README.md"))

	for _, target := range []string{"postgres", "redshift"} {
		t.Run(target, func(t *testing.T) {
			args := []string{"demo"}
			if target == "redshift" {
				args = append(args, "DEMO_TARGET=redshift")
			}
			os.Remove(filepath.Join(report, "summary.json"))
			cmd := exec.Command("make", args...)
			cmd.Dir, cmd.Env = root, env
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "demo done: open "+report+"/index.html") {
				t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			t.Logf("make %s took %s", strings.Join(args, " "), time.Since(start).Round(time.Second))
			if !strings.Contains(string(out), "target="+target) {
				t.Errorf("make %s did not run the %s target:\n%s", strings.Join(args, " "), target, out)
			}
			var summary struct {
				Plays struct {
					Total int `json:"total"`
				} `json:"plays"`
				TopSongs []struct {
					SongID string `json:"song_id"`
					Plays  int    `json:"plays"`
				} `json:"top_songs"`
			}
			b, err := os.ReadFile(filepath.Join(report, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &summary); err != nil {
				t.Fatal(err)
			}
			if summary.Plays.Total != len(want["songplays"]) {
				t.Errorf("summary.json: %d plays, want %d", summary.Plays.Total, len(want["songplays"]))
			}

			// The README's queries, as written, but for -T (no terminal
			// here, as the README says for scripts).
			got := map[string]string{}
			for name, q := range queries {
				cmd := exec.Command("bash", "-c", strings.Replace(q, "docker-compose exec ", compose+" exec -T ", 1))
				cmd.Dir, cmd.Env = root, env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("README's %q: %v\n%s", name, err, out)
				}
				got[name] = string(out)
			}
			rows := got["rows per star table"]
			for table, n := range map[string]int{"songplays": 8, "users": 5, "songs": 6, "artists": 5, "time": 7} {
				if !regexp.MustCompile(`(?m)^ ` + table + ` +\| +` + fmt.Sprint(n) + `$`).MatchString(rows) {
					t.Errorf("README's rows per star table: no %s row with %d rows in\n%s", table, n, rows)
				}
			}
			// The top songs agree with the page's (summary.json): the same
			// songs, in the same order.
			var page []string
			for _, s := range summary.TopSongs {
				page = append(page, fmt.Sprintf("%s %d", s.SongID, s.Plays))
			}
			var readme []string
			for _, m := range regexp.MustCompile(`(?m)^ (SO[A-Z0-9]+) +\|.*\| +(\d+)$`).FindAllStringSubmatch(got["top songs (plays matched to the catalogue), ranked as on the report's page: ties go to the smaller song_id"], -1) {
				readme = append(readme, m[1]+" "+m[2])
			}
			if len(page) == 0 || strings.Join(page, ", ") != strings.Join(readme, ", ") {
				t.Errorf("README's top songs %v, the page's %v: want the same\n%s", readme, page, got["top songs (plays matched to the catalogue), ranked as on the report's page: ties go to the smaller song_id"])
			}
		})
	}
}

// composeCommand is the Makefile's choice: "docker compose" where the
// plugin is installed, else docker-compose.
func composeCommand(t *testing.T) string {
	t.Helper()
	if exec.Command("docker", "compose", "version").Run() == nil {
		return "docker compose"
	}
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("neither docker compose nor docker-compose is installed: apt-get install docker-compose")
	}
	return "docker-compose"
}

// freePort returns a loopback port that nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// lookQueries returns the commands of the README's "Look at what was
// loaded" query block, by their comment line.
func lookQueries(t *testing.T, readme string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Look at what was loaded\n")
	if !ok {
		t.Fatal("README has no section \"Look at what was loaded\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```\n# rows per star table\n")
	if !ok {
		t.Fatal("README's \"Look at what was loaded\" has no block starting with \"# rows per star table\"")
	}
	block, _, _ = strings.Cut("# rows per star table\n"+block, "```")
	out := map[string]string{}
	for _, part := range strings.Split(block, "\n# ")[0:] {
		part = strings.TrimPrefix(part, "# ")
		name, cmd, _ := strings.Cut(part, "\n")
		if strings.TrimSpace(cmd) != "" {
			out[name] = strings.TrimSpace(cmd)
		}
	}
	for _, name := range []string{"rows per star table", "top songs (plays matched to the catalogue), ranked as on the report's page: ties go to the smaller song_id"} {
		if out[name] == "" {
			t.Fatalf("README's \"Look at what was loaded\" has no %q query", name)
		}
	}
	return out
}
