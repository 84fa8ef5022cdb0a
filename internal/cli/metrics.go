package cli

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

// pushTimeout bounds a push: metrics are never worth holding the job.
const pushTimeout = 10 * time.Second

// pushMetrics sends the run's metrics to a Prometheus Pushgateway, in the
// group job="sparkify", phases=<the run's phases>, so that the daily load
// and report keep their own series. A push adds to the group (POST), so
// sparkify_last_success_timestamp_seconds, sent only by successful runs,
// keeps the last success through failed runs. A failed push is logged,
// never fatal.
func pushMetrics(ctx context.Context, url string, res *RunResult, log *slog.Logger) {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	succeeded := 0.0
	if res.Status == "succeeded" {
		succeeded = 1
		gauge("sparkify_last_success_timestamp_seconds", "When the last successful run ended (Unix time).").
			WithLabelValues().Set(float64(res.End.Unix()))
	}
	gauge("sparkify_run_success", "1 when the last run succeeded, 0 when it failed.").WithLabelValues().Set(succeeded)
	gauge("sparkify_run_exit_code", "The last run's exit code (0 done, 1 failed, 2 configuration, 75 transient).").
		WithLabelValues().Set(float64(res.ExitCode))
	gauge("sparkify_run_duration_seconds", "How long the last run took.").WithLabelValues().Set(float64(res.DurationMS) / 1000)
	phases := gauge("sparkify_phase_duration_seconds", "How long each phase of the last run took.", "phase", "status")
	for _, p := range res.Phases {
		phases.WithLabelValues(p.Name, p.Status).Set(float64(p.DurationMS) / 1000)
	}
	if res.Load != nil {
		rows := gauge("sparkify_load_rows", "Rows of each star table after the last load, and the rows it inserted and updated.", "table", "kind")
		for t, c := range res.Load.Tables {
			rows.WithLabelValues(t, "inserted").Set(float64(c.Inserted))
			rows.WithLabelValues(t, "updated").Set(float64(c.Updated))
			rows.WithLabelValues(t, "total").Set(float64(c.Rows))
		}
		gauge("sparkify_load_skipped_records", "Malformed source records the last load skipped.").WithLabelValues().Set(float64(res.Load.Skipped))
	}
	names := make([]string, len(res.Phases))
	for i, p := range res.Phases {
		names[i] = p.Name
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pushTimeout)
	defer cancel()
	err := push.New(url, "sparkify").
		Grouping("phases", strings.Join(slices.Compact(names), ",")).
		Client(&http.Client{Timeout: pushTimeout}).
		Gatherer(reg).
		AddContext(ctx)
	if err != nil {
		log.Warn("could not push the run's metrics", "pushgateway", url, "error", err.Error())
		return
	}
	log.Info("metrics pushed", "pushgateway", url)
}
