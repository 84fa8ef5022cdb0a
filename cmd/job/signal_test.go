package main

import (
	"bytes"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestSignals: the first SIGTERM cancels the job's context; a second one
// exits at once with code 1.
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
		if code != 1 {
			t.Errorf("exit code %d after the second SIGTERM, want 1", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second SIGTERM did not exit")
	}
	want := "job: terminated: stopping; nothing from this run will be committed (a second signal exits at once)\njob: terminated again: exiting now\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
