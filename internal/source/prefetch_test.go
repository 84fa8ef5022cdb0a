package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// listAll returns the URIs a store lists.
func listAll(t *testing.T, s Store) ([]string, error) {
	t.Helper()
	var uris []string
	err := s.List(context.Background(), func(o Object) error {
		uris = append(uris, o.URI)
		return nil
	})
	return uris, err
}

func TestPrefetchListsWhatTheStoreLists(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b/2.json", "a/1.json", "a/notes.txt", "c.json"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store, err := Open(Location{Scheme: "file", Path: dir}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := listAll(t, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("the directory lists %v, want 3 objects", want)
	}
	got, err := listAll(t, Prefetch(context.Background(), store))
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("prefetched listing = %v, %v; want %v", got, err, want)
	}
}

func TestPrefetchReturnsTheListingsError(t *testing.T) {
	store, err := Open(Location{Scheme: "file", Path: filepath.Join(t.TempDir(), "missing", "dir")}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, want := listAll(t, store)
	if want == nil {
		t.Fatal("listing a missing directory succeeded")
	}
	_, err = listAll(t, Prefetch(context.Background(), store))
	if err == nil || err.Error() != want.Error() {
		t.Errorf("prefetched listing error = %v, want %v", err, want)
	}
}

func TestPrefetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	p := Prefetch(ctx, blockingStore{block})
	cancel()
	err := p.List(ctx, func(Object) error { return nil })
	close(block)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List after cancel = %v, want context.Canceled", err)
	}
}

// blockingStore's listing waits until block is closed.
type blockingStore struct{ block chan struct{} }

func (b blockingStore) List(ctx context.Context, fn func(Object) error) error {
	<-b.block
	return nil
}

func (blockingStore) Open(context.Context, Object) (io.ReadCloser, error) { return nil, nil }
