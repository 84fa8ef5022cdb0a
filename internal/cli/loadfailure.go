package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// recordFailure writes the failed load's row in sparkify_loads, for the
// report's "the last load failed" warning, best effort: the database may be
// what failed. pgx closes a connection whose statement's context ends, as
// an interrupted load's (SIGTERM) and a lock wait past
// SPARKIFY_LOCK_TIMEOUT do; the row is then written on a new connection.
// Either way it gets a context of its own, which the run's cancellation
// does not end.
func recordFailure(ctx context.Context, cfg config.Config, sess warehouse.Session, plan *warehouse.Plan, rec *warehouse.LoadRecord, cause error, log *slog.Logger) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	class, _ := classify(ctx, cause)
	if sess.Closed() {
		fresh, err := warehouse.Connect(rctx, cfg.Target, cfg.DatabaseURL, connectOptions(cfg)...)
		if err != nil {
			log.Warn("could not record the failed load in sparkify_loads: cannot connect again", "error", err.Error())
			return
		}
		defer fresh.Close(rctx)
		sess = warehouse.NewSession(fresh)
	}
	if err := warehouse.RecordFailure(rctx, sess, plan, rec, class, cause); err != nil {
		log.Warn("could not record the failed load in sparkify_loads", "error", err.Error())
	}
}
