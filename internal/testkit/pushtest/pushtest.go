// Package pushtest stands in for a Prometheus Pushgateway in tests: it
// records each push with its metrics in a form tests compare exactly.
package pushtest

import (
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Push is one push: its method, path and gauges as
// "family{label=value,...} value" lines, sorted.
type Push struct {
	Method, Path string
	Metrics      []string
}

// Recorder is an http.Handler that records pushes.
type Recorder struct {
	mu     sync.Mutex
	pushes []Push
}

// Pushes returns the pushes so far.
func (p *Recorder) Pushes() []Push {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Push(nil), p.pushes...)
}

func (p *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var metrics []string
	dec := expfmt.NewDecoder(r.Body, expfmt.ResponseFormat(r.Header))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			break
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			metrics = append(metrics, mf.GetName()+"{"+strings.Join(labels, ",")+"} "+strconv.FormatFloat(m.GetGauge().GetValue(), 'f', -1, 64))
		}
	}
	sort.Strings(metrics)
	p.mu.Lock()
	p.pushes = append(p.pushes, Push{r.Method, r.URL.Path, metrics})
	p.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
