package cli

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/sparkify/warehouse/internal/config"
)

// phaseArgs is what every phase of a run is given.
type phaseArgs struct {
	cfg    config.Config
	dryRun bool
	stdout io.Writer
	log    *slog.Logger
	res    *RunResult
	now    func() time.Time // the clock the report and the teardown plan read
}

func runPhase(ctx context.Context, phase string, a phaseArgs) error {
	switch phase {
	case "provision":
		return runProvision(ctx, a)
	case "teardown":
		return runTeardown(ctx, a)
	case "check":
		return runCheck(ctx, a.cfg, a.dryRun, a.stdout)
	case "load":
		return runLoad(ctx, a.cfg, a.dryRun, a.stdout, a.log, a.res)
	case "report":
		return runReport(ctx, a)
	}
	return &usageError{msg: "unknown phase " + phase}
}
