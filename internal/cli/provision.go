package cli

import (
	"context"
	"errors"
	"fmt"
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

func runProvision(ctx context.Context, a phaseArgs) (err error) {
	defer func() { err = configError(err) }()
	// A CIDR open to the world is refused whatever the target: it is never
	// a setting to leave lying in an environment.
	if _, err := provision.ParseIngress(a.cfg.IngressCIDR, a.cfg.AllowPublic); err != nil {
		return err
	}
	p, err := newProvisioner(a)
	if err != nil {
		return err
	}
	if a.dryRun {
		return p.WriteProvisionPlan(a.stdout)
	}
	return p.Provision(ctx, a.stdout)
}

func runTeardown(ctx context.Context, a phaseArgs) (err error) {
	defer func() { err = configError(err) }()
	p, err := newProvisioner(a)
	if err != nil {
		return err
	}
	if a.dryRun {
		return p.WriteTeardownPlan(a.stdout)
	}
	return p.Teardown(ctx)
}

// provisioner creates and removes what the target runs on. The Write…Plan
// methods print what Provision and Teardown would do, touching nothing.
type provisioner interface {
	WriteProvisionPlan(w io.Writer) error
	Provision(ctx context.Context, stdout io.Writer) error
	WriteTeardownPlan(w io.Writer) error
	Teardown(ctx context.Context) error
}

// provisioners make each target's provisioner: the database of
// SPARKIFY_DATABASE_URL for postgres, the AWS resources for redshift. A new
// engine adds its own here.
var provisioners = map[warehouse.Target]func(a phaseArgs) (provisioner, error){
	warehouse.Postgres: func(a phaseArgs) (provisioner, error) {
		db, err := postgresDatabase(a.cfg)
		if err != nil {
			return nil, err
		}
		return localDatabase{db: db, confirm: a.cfg.TeardownConfirm, log: a.log}, nil
	},
	warehouse.Redshift: func(a phaseArgs) (provisioner, error) {
		spec, err := provision.NewSpec(provisionSettings(a.cfg))
		if err != nil {
			return nil, err
		}
		return awsResources{spec: spec, region: a.cfg.SourceRegion, outputFile: a.cfg.OutputFile, log: a.log, now: a.now}, nil
	},
}

// newProvisioner returns the target's provisioner.
func newProvisioner(a phaseArgs) (provisioner, error) {
	mk, ok := provisioners[a.cfg.Target]
	if !ok {
		return nil, fmt.Errorf("no provisioner for target %q", a.cfg.Target)
	}
	return mk(a)
}

// localDatabase is the postgres target's provisioner: it creates and drops
// the database, and drops it only when confirm repeats its name.
type localDatabase struct {
	db      *provision.Database
	confirm string
	log     *slog.Logger
}

func (d localDatabase) WriteProvisionPlan(w io.Writer) error { return d.db.WriteCreatePlan(w) }

func (d localDatabase) Provision(ctx context.Context, _ io.Writer) error {
	return d.db.Create(ctx, d.log)
}

func (d localDatabase) WriteTeardownPlan(w io.Writer) error {
	if err := d.db.CheckDrop(d.confirm); err != nil {
		return err
	}
	return d.db.WriteDropPlan(w)
}

func (d localDatabase) Teardown(ctx context.Context) error { return d.db.Drop(ctx, d.confirm, d.log) }

// awsResources is the redshift target's provisioner: the IAM role, the
// cluster or serverless workgroup and the network rules of spec. Its AWS
// clients are made only for a real run, so plans need no credentials.
type awsResources struct {
	spec       provision.Spec
	region     string // the default region of the AWS clients
	outputFile string // where Provision also writes its outputs; none when empty
	log        *slog.Logger
	now        func() time.Time
}

func (a awsResources) WriteProvisionPlan(w io.Writer) error { return a.spec.WriteProvisionPlan(w) }

// Provision creates the resources and prints their outputs (KEY=value), to
// the output file too when one is set.
func (a awsResources) Provision(ctx context.Context, stdout io.Writer) error {
	clients, err := newAWS(ctx, a.region, a.log)
	if err != nil {
		return err
	}
	out, err := clients.Provision(ctx, a.spec)
	if err != nil {
		return err
	}
	if err := out.Write(stdout); err != nil {
		return err
	}
	if a.outputFile != "" {
		if err := out.WriteFile(a.outputFile); err != nil {
			return err
		}
		a.log.Info("outputs written", "file", a.outputFile)
	}
	return nil
}

func (a awsResources) WriteTeardownPlan(w io.Writer) error {
	return a.spec.WriteTeardownPlan(w, a.now())
}

func (a awsResources) Teardown(ctx context.Context) error {
	clients, err := newAWS(ctx, a.region, a.log)
	if err != nil {
		return err
	}
	return clients.Teardown(ctx, a.spec)
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

// provisionSettings are the values of cfg that provision.NewSpec validates.
func provisionSettings(cfg config.Config) provision.Settings {
	p := cfg.Provision
	return provision.Settings{
		ClusterID:          p.ClusterID,
		NodeType:           p.NodeType,
		NodeCount:          p.NodeCount,
		DBName:             p.DBName,
		DBUser:             p.DBUser,
		DBPassword:         p.DBPassword,
		DBPort:             p.DBPort,
		IAMRoleName:        p.IAMRoleName,
		ManagedS3Policy:    p.ManagedS3Policy,
		IngressCIDR:        p.IngressCIDR,
		AllowPublic:        p.AllowPublic,
		SecurityGroupID:    p.SecurityGroupID,
		SubnetGroup:        p.SubnetGroup,
		SubnetIDs:          p.SubnetIDs,
		IPAddressType:      p.IPAddressType,
		WaitTimeout:        p.WaitTimeout,
		SkipFinalSnapshot:  p.SkipFinalSnapshot,
		PubliclyAccessible: cfg.PubliclyAccessible,
		RedshiftDeployment: cfg.RedshiftDeployment,
		ServerlessBaseRPU:  cfg.ServerlessBaseRPU,
		SongData:           cfg.SongData,
		LogData:            cfg.LogData,
		LogJSONPath:        cfg.LogJSONPath,
		StagingURI:         cfg.StagingURI.Location,
	}
}

// newAWS builds the AWS clients; missing credentials are the user's to fix.
func newAWS(ctx context.Context, region string, log *slog.Logger) (*provision.AWS, error) {
	a, err := provision.NewAWS(ctx, region, log)
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
