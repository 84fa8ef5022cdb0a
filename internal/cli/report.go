package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/sparkify/warehouse/internal/config"
)

func runReport(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	return &usageError{msg: "phase report is not built yet"}
}
