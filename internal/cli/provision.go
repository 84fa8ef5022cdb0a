package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/sparkify/warehouse/internal/config"
)

func runProvision(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	return &usageError{msg: "phase provision is not built yet"}
}

func runTeardown(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	return &usageError{msg: "phase teardown is not built yet"}
}
