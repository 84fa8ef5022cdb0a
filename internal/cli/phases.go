package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/sparkify/warehouse/internal/config"
)

func runPhase(ctx context.Context, phase string, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger, res *RunResult) error {
	switch phase {
	case "provision":
		return runProvision(ctx, cfg, dryRun, stdout, log)
	case "teardown":
		return runTeardown(ctx, cfg, dryRun, stdout, log)
	case "check":
		return runCheck(ctx, cfg, dryRun, stdout)
	case "load":
		return runLoad(ctx, cfg, dryRun, stdout, log, res)
	case "report":
		return runReport(ctx, cfg, dryRun, stdout, log)
	}
	return &usageError{msg: "unknown phase " + phase}
}
