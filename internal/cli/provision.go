package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/provision"
	"github.com/sparkify/warehouse/internal/warehouse"
)

func runProvision(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	// A CIDR open to the world is refused whatever the target: it is never
	// a setting to leave lying in an environment.
	if _, err := provision.ParseIngress(cfg.IngressCIDR, cfg.AllowPublic); err != nil {
		return err
	}
	if cfg.Target == warehouse.Postgres {
		db, err := postgresDatabase(cfg)
		if err != nil {
			return err
		}
		if dryRun {
			return db.WriteCreatePlan(stdout)
		}
		return db.Create(ctx, log)
	}
	spec, err := provision.NewSpec(cfg)
	if err != nil {
		return err
	}
	if dryRun {
		return spec.WriteProvisionPlan(stdout)
	}
	a, err := newAWS(ctx, cfg, log)
	if err != nil {
		return err
	}
	out, err := a.Provision(ctx, spec)
	if err != nil {
		return err
	}
	if err := out.Write(stdout); err != nil {
		return err
	}
	if cfg.OutputFile != "" {
		if err := out.WriteFile(cfg.OutputFile); err != nil {
			return err
		}
		log.Info("outputs written", "file", cfg.OutputFile)
	}
	return nil
}

func runTeardown(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) error {
	if cfg.Target == warehouse.Postgres {
		db, err := postgresDatabase(cfg)
		if err != nil {
			return err
		}
		if err := db.CheckDrop(cfg.TeardownConfirm); err != nil {
			return err
		}
		if dryRun {
			return db.WriteDropPlan(stdout)
		}
		return db.Drop(ctx, cfg.TeardownConfirm, log)
	}
	spec, err := provision.NewSpec(cfg)
	if err != nil {
		return err
	}
	if dryRun {
		return spec.WriteTeardownPlan(stdout, time.Now())
	}
	a, err := newAWS(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.Teardown(ctx, spec)
}

func postgresDatabase(cfg config.Config) (*provision.Database, error) {
	if strings.TrimSpace(cfg.DatabaseURL) == "" {
		return nil, &config.Error{Var: "DATABASE_URL", Msg: "is required with SPARKIFY_TARGET=postgres, where provision and teardown create and drop that database; " +
			"for the AWS resources (IAM role, Redshift cluster) set SPARKIFY_TARGET=redshift"}
	}
	if err := cfg.RequireDatabase(); err != nil {
		return nil, err
	}
	return provision.NewDatabase(cfg.DatabaseURL)
}

// newAWS builds the AWS clients; missing credentials are the user's to fix.
func newAWS(ctx context.Context, cfg config.Config, log *slog.Logger) (*provision.AWS, error) {
	a, err := provision.NewAWS(ctx, cfg.SourceRegion, log)
	if errors.Is(err, provision.ErrNoCredentials) {
		return nil, &usageError{msg: err.Error()}
	}
	return a, err
}
