package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/provision"
	"github.com/sparkify/warehouse/internal/warehouse"
)

func runProvision(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) (err error) {
	defer func() { err = configError(err) }()
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

func runTeardown(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer, log *slog.Logger) (err error) {
	defer func() { err = configError(err) }()
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

// configError turns a *provision.SettingError into the *config.Error that
// names the variable and fills in the variables its message names. Other
// errors are returned as they are.
func configError(err error) error {
	var se *provision.SettingError
	if !errors.As(err, &se) {
		return err
	}
	msg := settingRef.ReplaceAllStringFunc(se.Msg, func(ref string) string {
		m := settingRef.FindStringSubmatch(ref)
		name, ok := variable(m[1])
		if !ok {
			return ref
		}
		if m[2] == "" {
			name = config.Prefix + "_" + name
		}
		return name
	})
	name, ok := variable(se.Setting)
	if !ok {
		name = se.Setting
	}
	return &config.Error{Var: name, Msg: msg}
}

// settingRef is how a provision.SettingError message names a setting:
// {Field} for the full variable name, {Field:short} for it without the
// prefix.
var settingRef = regexp.MustCompile(`\{(\w+)(:short)?\}`)

// variable returns the name, without the prefix, of the variable that sets
// the config.Config field (or promoted config.Provision field) named field:
// its envconfig tag, the one place the names are spelled.
func variable(field string) (string, bool) {
	f, ok := reflect.TypeFor[config.Config]().FieldByName(field)
	if !ok {
		return "", false
	}
	name := f.Tag.Get("envconfig")
	return name, name != ""
}
