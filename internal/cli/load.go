package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/sparkify/warehouse/internal/config"
)

func runLoad(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	return &usageError{msg: "phase load is not built yet"}
}
