package main

import (
	"bytes"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/cli"
)

// TestSignals: the first SIGTERM cancels the job's context; a second one
// exits at once with the interrupted exit code (143), which the CronJobs retry.
func TestSignals(t *testing.T) {
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	ctx, stop := signalContext(&stderr, func(code int) { exited <- code })
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first SIGTERM did not cancel the context")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != cli.ExitInterrupted {
			t.Errorf("exit code %d after the second SIGTERM, want %d", code, cli.ExitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second SIGTERM did not exit")
	}
	want := "job: terminated: stopping; nothing from this run will be committed (a second signal exits at once)\njob: terminated again: exiting now\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
