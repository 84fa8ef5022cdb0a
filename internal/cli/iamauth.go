package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/dbauth"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// iamCredentialsTTL is how long the temporary database credentials are
// valid: long enough to log in, the shortest the APIs allow.
const iamCredentialsTTL = 15 * time.Minute

// connectOptions are the options of the warehouse connection: with
// SPARKIFY_REDSHIFT_AUTH=iam (which configuration allows on the redshift
// target only), temporary credentials instead of the URL's.
func connectOptions(cfg config.Config) []warehouse.ConnectOption {
	if cfg.RedshiftAuth != "iam" {
		return nil
	}
	return []warehouse.ConnectOption{func(ctx context.Context, cc *pgx.ConnConfig) error {
		return iamCredentials(ctx, cfg, cc)
	}}
}

// iamCredentials sets cc's user and password to temporary credentials for
// its database, from redshift:GetClusterCredentialsWithIAM or
// redshift-serverless:GetCredentials. They are never logged: they live in
// cc only, not in the URL that logs show redacted.
func iamCredentials(ctx context.Context, cfg config.Config, cc *pgx.ConnConfig) error {
	ep, err := dbauth.Resolve(cc.Host, cfg.ClusterID, cfg.Workgroup)
	if err != nil {
		return &config.Error{Var: "CLUSTER_ID", Msg: fmt.Sprintf("SPARKIFY_REDSHIFT_AUTH=iam: %v (%s): set SPARKIFY_CLUSTER_ID to the cluster or SPARKIFY_WORKGROUP to the Serverless workgroup", err, cc.Host)}
	}
	creds, err := dbauth.Get(ctx, ep, cc.Database, iamCredentialsTTL)
	var denied *dbauth.DeniedError
	var missing *dbauth.NotFoundError
	switch {
	case err == nil:
		cc.User, cc.Password = creds.User, creds.Password
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &denied):
		return &config.Error{Var: "REDSHIFT_AUTH", Msg: fmt.Sprintf("iam: the job's AWS identity may not call %s (%v): allow it in the job's IAM policy (deploy/iam/runtime-iam-auth.json), or set SPARKIFY_REDSHIFT_AUTH=password with a password in SPARKIFY_DATABASE_URL", denied.Action, denied.Err)}
	case errors.As(err, &missing):
		v := "CLUSTER_ID"
		if ep.Serverless {
			v = "WORKGROUP"
		}
		return &config.Error{Var: v, Msg: fmt.Sprintf("SPARKIFY_REDSHIFT_AUTH=iam: %v: the endpoint %s belongs to another %s; set SPARKIFY_%s", missing, cc.Host, map[bool]string{false: "cluster", true: "workgroup"}[ep.Serverless], v)}
	}
	return fmt.Errorf("temporary database credentials (SPARKIFY_REDSHIFT_AUTH=iam): %w", err)
}
