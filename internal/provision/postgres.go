package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maintenanceDB is the database connected to for creating and dropping the
// warehouse database.
const maintenanceDB = "postgres"

// reservedDatabases are never dropped.
var reservedDatabases = map[string]bool{"postgres": true, "template0": true, "template1": true}

// Database is the postgres target's database, from SPARKIFY_DATABASE_URL.
type Database struct {
	name string
	conf *pgx.ConnConfig // for the maintenance database
}

// NewDatabase parses databaseURL (already checked by
// config.RequireDatabase) without connecting.
func NewDatabase(databaseURL string) (*Database, error) {
	cc, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, &SettingError{Setting: "DatabaseURL", Msg: "cannot be parsed as postgres://user:password@host:port/dbname"}
	}
	if cc.Database == "" {
		return nil, &SettingError{Setting: "DatabaseURL", Msg: "names no database: add /dbname after host:port"}
	}
	d := &Database{name: cc.Database, conf: cc}
	cc.Database = maintenanceDB
	return d, nil
}

// Name is the database's name.
func (d *Database) Name() string { return d.name }

func (d *Database) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, d.conf)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// pgconn's message names host, user and database, never the password.
		return nil, &SettingError{Setting: "DatabaseURL", Msg: fmt.Sprintf("cannot connect to the %q maintenance database on that server to create or drop %q: %v; check host, port, user and password",
			maintenanceDB, d.name, err)}
	}
	return conn, nil
}

// lookup connects to the maintenance database and tells whether the
// database exists. The caller closes the connection.
func (d *Database) lookup(ctx context.Context) (*pgx.Conn, bool, error) {
	conn, err := d.connect(ctx)
	if err != nil {
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", d.name).Scan(&ok); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, false, fmt.Errorf("look up database %q: %w", d.name, err)
	}
	return conn, ok, nil
}

// Create creates the database if it is missing.
func (d *Database) Create(ctx context.Context, log *slog.Logger) error {
	conn, ok, err := d.lookup(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if ok {
		log.Info("database exists", "database", d.name)
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{d.name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created concurrently
		log.Info("database exists", "database", d.name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %q: %w", d.name, err)
	}
	log.Info("database created", "database", d.name)
	return nil
}

// CheckDrop returns a *SettingError unless confirm repeats the database's
// name and the database is not one of the server's own.
func (d *Database) CheckDrop(confirm string) error {
	if reservedDatabases[d.name] {
		return &SettingError{Setting: "DatabaseURL", Msg: fmt.Sprintf("names the server's own database %q, which teardown never drops", d.name)}
	}
	if confirm != d.name {
		return &SettingError{Setting: "TeardownConfirm", Msg: fmt.Sprintf("teardown drops database %q and everything in it only when {TeardownConfirm} repeats its name: set {TeardownConfirm}=%s", d.name, d.name)}
	}
	return nil
}

// Drop drops the database, ending its sessions, when confirm repeats its
// name. A missing database is not an error.
func (d *Database) Drop(ctx context.Context, confirm string, log *slog.Logger) error {
	if err := d.CheckDrop(confirm); err != nil {
		return err
	}
	conn, ok, err := d.lookup(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if !ok {
		log.Info("no database to drop", "database", d.name)
		return nil
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %q: %w", d.name, err)
	}
	log.Info("database dropped", "database", d.name)
	return nil
}

// WriteCreatePlan writes the dry run of Create.
func (d *Database) WriteCreatePlan(w io.Writer) error {
	_, err := fmt.Fprintf(w, "dry run: provision, target postgres. Nothing is connected to. A real run connects to the %q database on the server of SPARKIFY_DATABASE_URL and runs:\n  CREATE DATABASE %s  [when it is missing]\n",
		maintenanceDB, pgx.Identifier{d.name}.Sanitize())
	return err
}

// WriteDropPlan writes the dry run of Drop.
func (d *Database) WriteDropPlan(w io.Writer) error {
	_, err := fmt.Fprintf(w, "dry run: teardown, target postgres. Nothing is connected to. A real run connects to the %q database on the server of SPARKIFY_DATABASE_URL and runs:\n  DROP DATABASE IF EXISTS %s WITH (FORCE)\n",
		maintenanceDB, pgx.Identifier{d.name}.Sanitize())
	return err
}
