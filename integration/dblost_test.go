//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// cutProxy forwards TCP connections to the database and cuts them (reset,
// both ways) when the client sends a marker: a statement's text, as the
// extended protocol carries it. The cut comes before the marker reaches
// the server (mode 0), at the next bytes the client sends after it (mode 1:
// the next statement, or the COPY's data), or when the server answers it
// (mode 2: the statement ran, and its answer is lost): the ways a database
// vanishes under a load (a crash, an immediate stop, a failover, a dropped
// connection).
type cutProxy struct {
	ln       net.Listener
	upstream string
	marker   []byte
	mode     int
	cut      chan struct{} // closed once a connection was cut
	once     sync.Once
}

func newCutProxy(t *testing.T, upstream, marker string, mode int) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, upstream: upstream, marker: []byte(marker), mode: mode, cut: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go p.accept()
	return p
}

func (p *cutProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c.(*net.TCPConn))
	}
}

func (p *cutProxy) serve(client *net.TCPConn) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		client.Close()
		return
	}
	server := up.(*net.TCPConn)
	kill := func() {
		p.once.Do(func() { close(p.cut) })
		client.SetLinger(0)
		server.SetLinger(0)
		client.Close()
		server.Close()
	}
	var answered atomic.Bool // mode 2: the marker went to the server
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && answered.Load() {
				kill()
				return
			}
			if n > 0 {
				if _, err := client.Write(buf[:n]); err != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		client.Close()
	}()
	buf := make([]byte, 32<<10)
	var window []byte // the end of what was sent, to find a marker split across reads
	armed := false
	for {
		n, err := client.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if armed && p.mode == 1 {
				kill()
				return
			}
			window = append(window, chunk...)
			if !armed && bytes.Contains(window, p.marker) {
				armed = true
				switch p.mode {
				case 0:
					kill()
					return
				case 2:
					answered.Store(true)
				}
			}
			if len(window) > 4096 {
				window = window[len(window)-4096:]
			}
			if _, err := server.Write(chunk); err != nil {
				server.Close()
				return
			}
		}
		if err != nil {
			server.Close()
			return
		}
	}
}

// TestDatabaseLostMidLoad: the database connection is cut at random points
// of the COPY and of the transforms, 20 times each, and the load exits 75
// every time, with a message that names the database (not a source), the
// tables as they were, and a clean re-run.
func TestDatabaseLostMidLoad(t *testing.T) {
	phases := map[string][]string{
		"copy": {`copy "staging_songs"`, `copy "staging_events"`}, // as pgx sends it
		"transform": {
			"CREATE TEMP TABLE load_play_keys", "INSERT INTO sparkify_play_records", "CREATE TEMP TABLE load_song_picks",
			"INSERT INTO sparkify_user_records", "CREATE TEMP TABLE load_plays", "UPDATE songplays",
			"INSERT INTO songplays", "INSERT INTO time", "INSERT INTO sparkify_objects", "INSERT INTO sparkify_loads",
		},
	}
	for _, phase := range []string{"copy", "transform"} {
		t.Run(phase, func(t *testing.T) {
			s := fixtureStack(t, "postgres")
			t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
			mustLoad(t)
			before := dump(t, s.DatabaseURL)
			t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
			direct, err := url.Parse(s.DatabaseURL)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(len(phase)), 7))
			for try := range 20 {
				markers := phases[phase]
				marker, mode := markers[rng.IntN(len(markers))], rng.IntN(3)
				p := newCutProxy(t, direct.Host, marker, mode)
				viaProxy := *direct
				viaProxy.Host = p.ln.Addr().String()
				t.Setenv("SPARKIFY_DATABASE_URL", viaProxy.String())
				code, _, errOut := runJob(t, context.Background(), "-phase", "load")
				select {
				case <-p.cut:
				default:
					t.Fatalf("try %d (%q, mode %d): the connection was never cut; exit %d:\n%s", try, marker, mode, code, errOut)
				}
				what := fmt.Sprintf("try %d (cut at %q, mode %d)", try, marker, mode)
				if code != 75 {
					t.Errorf("%s: exit %d, want 75:\n%s", what, code, errOut)
				}
				if !strings.Contains(errOut, viaProxy.Host) {
					t.Errorf("%s: the message does not name the database %s:\n%s", what, viaProxy.Host, errOut)
				}
				if strings.Contains(errOut, "LOG_DATA") || strings.Contains(errOut, "SONG_DATA") {
					t.Errorf("%s: the message blames a source:\n%s", what, errOut)
				}
				assertTables(t, dump(t, s.DatabaseURL), before)
				if t.Failed() {
					return
				}
			}
			t.Setenv("SPARKIFY_DATABASE_URL", s.DatabaseURL)
			mustLoad(t)
			assertTables(t, dump(t, s.DatabaseURL), want)
		})
	}
}
