package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWatchdogFailsAStalledRead: a body that sends some data and then
// nothing fails with ErrStalled once the stall timeout passes without data.
func TestWatchdogFailsAStalledRead(t *testing.T) {
	pr, pw := io.Pipe()
	go pw.Write([]byte("some data"))
	w := newWatchdog(100*time.Millisecond, func() { pr.CloseWithError(context.Canceled) }, func() {})
	r := w.reader(pr)
	defer r.Close()
	b, err := io.ReadAll(r)
	if string(b) != "some data" || !errors.Is(err, ErrStalled) {
		t.Fatalf("ReadAll = %q, %v; want the data, then ErrStalled", b, err)
	}
}

// TestDirStoreSkipsWhatIsNotARegularFile: a FIFO among the files is not
// listed (opening it would block until a writer comes); a link to a regular
// file is.
func TestDirStoreSkipsWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "a-fifo.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "b.json"), filepath.Join(dir, "c-link.json")); err != nil {
		t.Fatal(err)
	}
	store, err := Open(Location{Scheme: "file", Path: dir}, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := store.List(context.Background(), func(o Object) error {
		got = append(got, filepath.Base(o.Key))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "b.json" || got[1] != "c-link.json" {
		t.Errorf("listed %q, want [b.json c-link.json]", got)
	}
}

// TestDirStoreReadEndsOnCancel: cancelling the context closes the file, so
// a read blocked on it (a FIFO here, a stalled network mount in life) ends.
func TestDirStoreReadEndsOnCancel(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "x.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Hold the write end open without writing, so the read blocks.
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			t.Cleanup(func() { w.Close() })
		}
	}()
	store := &dirStore{root: filepath.Dir(fifo)}
	ctx, cancel := context.WithCancel(context.Background())
	rc, err := store.Open(ctx, Object{URI: "file://" + fifo, Key: fifo})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	done := make(chan error, 1)
	go func() {
		_, err := rc.Read(make([]byte, 10))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("read returned no error after cancel")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("read still blocked 10s after cancel")
	}
}

// TestDirStoreSeesARewriteThatKeepsSizeAndTime: a file rewritten with
// content of the same size and its modification time set back (cp -p,
// rsync -t) has a new version, so the next load stages it again.
func TestDirStoreSeesARewriteThatKeepsSizeAndTime(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "2018-11-01-events.json")
	if err := os.WriteFile(file, []byte(`{"a":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	version := func() string {
		t.Helper()
		store, err := Open(Location{Scheme: "file", Path: dir}, nil, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var v []string
		if err := store.List(context.Background(), func(o Object) error { v = append(v, o.Version); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(v) != 1 {
			t.Fatalf("listed %d objects, want 1", len(v))
		}
		return v[0]
	}
	before := version()
	if again := version(); again != before {
		t.Fatalf("the version of an unchanged file changed: %q, then %q", before, again)
	}
	// The kernel's file clocks tick every few milliseconds: a rewrite in
	// the same tick as the first write would keep the change time.
	time.Sleep(20 * time.Millisecond)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(`{"a":2}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(file, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if after := version(); after == before {
		t.Errorf("version after a same-size rewrite with the old time = %q, the same as before", after)
	}
}
