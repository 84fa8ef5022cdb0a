//go:build integration

package integration

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/deploy/k8s"
	"github.com/sparkify/warehouse/internal/cli"
)

const day2Key = "log_data/2018/11/2018-11-02-events.json"

// faultStack is the fixture stack after a load of day 1, with S3 reached
// through a fault-injecting proxy and SPARKIFY_LOG_DATA on both days: the
// next load must read day 2's object through the proxy.
func faultStack(t *testing.T) (s *Stack, proxy *faultProxy, before map[string][]string) {
	t.Helper()
	s = fixtureStack(t, "postgres")
	before = loadDay1(t, s)
	proxy = newFaultProxy(t, s.S3Endpoint)
	t.Setenv("AWS_ENDPOINT_URL_S3", proxy.URL)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	return s, proxy, before
}

// TestS3FaultsNameTheObject: each fault on day 2's object fails the load
// with its documented exit code and a message naming the object, leaves the
// tables as they were, and a run after the fault is gone loads everything.
func TestS3FaultsNameTheObject(t *testing.T) {
	tests := []struct {
		name  string
		fault fault
		code  int
		say   string
	}{
		{"503 after the SDK's retries", fault503, 75, "SlowDown"},
		{"403 on one object", fault403, 2, "access denied"},
		{"reset mid-body", faultReset, 75, "connection reset"},
		{"truncated body", faultTruncate, 75, "unexpected EOF"},
		{"stalled body", faultStall, 75, "stalled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, proxy, before := faultStack(t)
			proxy.Set(day2Key, tt.fault)
			t.Setenv("AWS_MAX_ATTEMPTS", "2")
			t.Setenv("SPARKIFY_S3_TIMEOUT", "2s")
			code, _, errOut := runJob(t, context.Background(), "-phase", "load")
			object := "s3://" + s.Bucket + "/" + day2Key
			if code != tt.code || !strings.Contains(errOut, object) || !strings.Contains(errOut, tt.say) {
				t.Fatalf("exit %d, want %d naming %s and saying %q:\n%s", code, tt.code, object, tt.say, errOut)
			}
			if strings.Contains(errOut, "malformed") {
				t.Errorf("a transport fault was reported as malformed records:\n%s", errOut)
			}
			assertTables(t, dump(t, s.DatabaseURL), before)
			proxy.Set(day2Key, faultNone)
			mustLoad(t)
			assertTables(t, dump(t, s.DatabaseURL), want)
		})
	}
}

// TestDatabaseThatNeverAnswers: a server that accepts the connection and
// says nothing fails the load within the connect timeout, with the
// transient exit code and its host named.
func TestDatabaseThatNeverAnswers(t *testing.T) {
	fixtureStack(t, "postgres")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	t.Setenv("SPARKIFY_DATABASE_URL", "postgres://sparkify:sparkify@"+ln.Addr().String()+"/sparkify?sslmode=disable&connect_timeout=1")
	code, _, errOut := runJob(t, context.Background(), "-phase", "load")
	if code != 75 || !strings.Contains(errOut, ln.Addr().String()) {
		t.Fatalf("exit %d, want 75 naming %s:\n%s", code, ln.Addr(), errOut)
	}
}

// terminateJobBackend ends the job's database session from another one, as
// a failover or an operator would.
func terminateJobBackend(t *testing.T, s *Stack) {
	t.Helper()
	var n int
	err := s.Conn(t).QueryRow(context.Background(),
		"SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'sparkify-job' AND datname = current_database()").Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d job sessions (%v), want 1", n, err)
	}
}

// TestBackendTerminated: the load's database session ends during its COPY
// (held by a stalled object) or during its transforms (held by a lock):
// the transient exit code, the tables as they were, and a clean re-run.
func TestBackendTerminated(t *testing.T) {
	for _, during := range []string{"copy", "transforms"} {
		t.Run(during, func(t *testing.T) {
			s, proxy, before := faultStack(t)
			// While its source stalls, the COPY learns that its session
			// ended only when the stall times out, so the timeout is short.
			t.Setenv("SPARKIFY_S3_TIMEOUT", "5s")
			h := holdLoad(t, s, proxy, during)
			wait := startLoad(t, context.Background())
			h.await()
			terminateJobBackend(t, s)
			r := wait()
			h.release()
			if r.code != 75 {
				t.Errorf("exit %d, want 75:\n%s", r.code, r.stderr)
			}
			assertTables(t, dump(t, s.DatabaseURL), before)
			proxy.Set(day2Key, faultNone)
			mustLoad(t)
			assertTables(t, dump(t, s.DatabaseURL), want)
		})
	}
}

// hold keeps the next load in one place: "copy", reading day 2's object,
// which the proxy stalls half-sent, or "transforms", waiting for the songs
// table, which another session has locked.
type hold struct {
	await   func() // returns once the load is held
	release func() // lets it (or what is left of it) go
}

func holdLoad(t *testing.T, s *Stack, proxy *faultProxy, during string) hold {
	t.Helper()
	if during == "copy" {
		proxy.Set(day2Key, faultStall)
		return hold{await: func() { <-proxy.Stalled() }, release: proxy.Release}
	}
	other := lockSongs(t, s)
	return hold{
		await:   func() { waitForLockWaiter(t, other) },
		release: func() { other.Exec(context.Background(), "COMMIT") },
	}
}

// lockSongs locks the songs table in a transaction of another session, so
// that a load waits in its transforms until that session commits.
func lockSongs(t *testing.T, s *Stack) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	other := s.Conn(t)
	if _, err := other.Exec(ctx, "BEGIN; LOCK TABLE songs"); err != nil {
		t.Fatal(err)
	}
	return other
}

// jobBinary builds the job once for the tests that run it as a process.
var jobBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sparkify-job-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "job")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/job")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &exec.ExitError{Stderr: out}
	}
	return bin, nil
})

// startJob starts the job binary with the test's environment.
func startJob(t *testing.T, args ...string) (cmd *exec.Cmd, stderr *strings.Builder) {
	t.Helper()
	bin, err := jobBinary()
	if err != nil {
		t.Fatalf("build the job: %v", err)
	}
	cmd = exec.Command(bin, args...)
	cmd.Env = os.Environ()
	stderr = &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, stderr
}

// exitCode waits for cmd, at most a minute.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(time.Minute):
		t.Fatal("the job did not exit within a minute")
		return -1
	}
}

// TestSignalsToTheJobProcess: SIGTERM while a read is blocked ends the job
// promptly with exit 143, which the CronJobs retry, and nothing committed; SIGKILL during staging or
// during the transforms leaves the tables as they were, and a re-run loads
// everything.
func TestSignalsToTheJobProcess(t *testing.T) {
	for _, tt := range []struct {
		name   string
		signal syscall.Signal
		during string
	}{
		{"SIGTERM during a blocked read", syscall.SIGTERM, "copy"},
		{"SIGKILL during staging", syscall.SIGKILL, "copy"},
		{"SIGKILL during the transforms", syscall.SIGKILL, "transforms"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, proxy, before := faultStack(t)
			h := holdLoad(t, s, proxy, tt.during)
			cmd, stderr := startJob(t, "-phase", "load")
			h.await()
			if err := cmd.Process.Signal(tt.signal); err != nil {
				t.Fatal(err)
			}
			code := exitCode(t, cmd)
			h.release()
			switch tt.signal {
			case syscall.SIGTERM:
				if code != cli.ExitInterrupted || !strings.Contains(stderr.String(), "interrupted; nothing from this run was committed") {
					t.Errorf("exit %d, want %d saying it was interrupted:\n%s", code, cli.ExitInterrupted, stderr)
				}
				assertRetriedByTheCronJobs(t, code)
			case syscall.SIGKILL:
				if code != -1 {
					t.Errorf("exit %d, want death by SIGKILL", code)
				}
			}
			waitForNoJobSession(t, s)
			assertTables(t, dump(t, s.DatabaseURL), before)
			proxy.Set(day2Key, faultNone)
			mustLoad(t)
			assertTables(t, dump(t, s.DatabaseURL), want)
		})
	}
}

// assertRetriedByTheCronJobs checks what the CronJobs' podFailurePolicy
// (deploy/k8s) does with a SIGTERM'd job's exit code: a pod evicted by a
// drain is started again without using up a retry, and one stopped by
// anything else is retried.
func assertRetriedByTheCronJobs(t *testing.T, code int) {
	t.Helper()
	for _, f := range []string{"cronjob-load.yaml", "cronjob-report.yaml"} {
		policy, container, err := k8s.CronJobPolicy(filepath.Join("..", "deploy", "k8s", f))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := policy.Action(container, code, "DisruptionTarget"); got != "Ignore" {
			t.Errorf("%s: exit %d of an evicted pod: %s, want Ignore", f, code, got)
		}
		if got, matched := policy.Action(container, code); got != "Count" || !matched {
			t.Errorf("%s: exit %d: %s (by a rule: %v), want Count by a rule (retried)", f, code, got, matched)
		}
	}
}

// waitForNoJobSession returns once the server has ended the killed job's
// session (and rolled back its transaction).
func waitForNoJobSession(t *testing.T, s *Stack) {
	t.Helper()
	conn := s.Conn(t)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(context.Background(),
			"SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'sparkify-job' AND datname = current_database()").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the job's session was still there 30s after the job ended")
}
