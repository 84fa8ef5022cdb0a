package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/toolcmd"
)

func TestRunSeedsAndServes(t *testing.T) {
	seed := t.TempDir()
	if err := os.MkdirAll(filepath.Join(seed, "song_data", "A"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(seed, "song_data", "A", "TRA.json"), []byte(`{"song_id":"S1"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-bucket", "sparkify,other", "-seed", seed, "-quiet"},
			func(string) string { return "" }, outW, io.Discard)
		outW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read address: %v", err)
	}
	go io.Copy(io.Discard, out)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "s3emulator listening on "))

	for _, tt := range []struct {
		name, path, want string
		status           int
	}{
		{"seeded object", "/sparkify/song_data/A/TRA.json", `{"song_id":"S1"}`, http.StatusOK},
		{"second bucket exists and is empty", "/other/song_data/A/TRA.json", "", http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get("http://" + addr + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.want != "" && string(body) != tt.want {
				t.Errorf("body %q, want %q", body, tt.want)
			}
		})
	}

	if err := healthcheck(ctx, addr); err != nil {
		t.Errorf("healthcheck of a running server: %v", err)
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"seed without bucket", []string{"-seed", "/tmp"}},
		{"invalid bucket name", []string{"-bucket", "Not_Valid"}},
		{"stray argument", []string{"extra"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, func(string) string { return "" }, io.Discard, io.Discard)
			if _, ok := err.(toolcmd.UsageError); !ok {
				t.Fatalf("run(%q) = %v, want a usage error", tt.args, err)
			}
		})
	}
}

func TestHealthcheckFailsWithNoServer(t *testing.T) {
	if err := healthcheck(context.Background(), "127.0.0.1:1"); err == nil {
		t.Fatal("healthcheck of a closed port succeeded")
	}
}
