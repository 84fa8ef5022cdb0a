//go:build integration

package integration

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fault is what the proxy does to a GET of a matching object.
type fault int

const (
	faultNone     fault = iota
	fault503            // 503 SlowDown, every time (the SDK retries, then gives up)
	fault403            // 403 AccessDenied
	faultReset          // half the body, then a TCP reset
	faultTruncate       // half the body, then a clean close short of Content-Length
	faultStall          // half the body, then nothing until released
)

// faultProxy sits between the job and the S3 emulator, on the loopback
// address, and injects faults into the GETs of chosen objects.
type faultProxy struct {
	URL   string
	proxy *httputil.ReverseProxy
	up    *url.URL

	mu      sync.Mutex
	faults  map[string]fault // key suffix -> fault
	stalled chan struct{}    // closed when a stalled GET has sent its half
	release chan struct{}    // closed to let stalled GETs end
}

func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	up, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{up: up, proxy: httputil.NewSingleHostReverseProxy(up), faults: map[string]fault{},
		stalled: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.Release()
		srv.CloseClientConnections()
		srv.Close()
	})
	p.URL = srv.URL
	return p
}

// Set makes GETs of objects whose key ends in suffix meet f.
func (p *faultProxy) Set(suffix string, f fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults[suffix] = f
}

// Release ends stalled GETs (they then close their connection).
func (p *faultProxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.release:
	default:
		close(p.release)
	}
}

// Stalled is closed once a stalled GET has sent the first half of its body.
func (p *faultProxy) Stalled() <-chan struct{} { return p.stalled }

func (p *faultProxy) faultFor(r *http.Request) fault {
	if r.Method != http.MethodGet || r.URL.Query().Has("list-type") {
		return faultNone
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for suffix, f := range p.faults {
		if strings.HasSuffix(r.URL.Path, suffix) {
			return f
		}
	}
	return faultNone
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	f := p.faultFor(r)
	switch f {
	case faultNone:
		p.proxy.ServeHTTP(w, r)
		return
	case fault503, fault403:
		code, status := "SlowDown", http.StatusServiceUnavailable
		if f == fault403 {
			code, status = "AccessDenied", http.StatusForbidden
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		io.WriteString(w, "<Error><Code>"+code+"</Code><Message>injected by the test</Message></Error>")
		return
	}
	resp, err := http.Get(p.up.String() + r.URL.RequestURI())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	switch f {
	case faultReset:
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) // close with RST
		}
	case faultStall:
		p.mu.Lock()
		select {
		case <-p.stalled:
		default:
			close(p.stalled)
		}
		p.mu.Unlock()
		<-p.release
	}
}
