package warehouse

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Session is what a load needs of a database connection: run a statement,
// read rows, begin the load's transaction. NewSession is the one
// implementation, over pgx; another driver (the Redshift Data API, say)
// would be a second. Its errors carry the sentinels below.
type Session interface {
	Queries
	Begin(ctx context.Context) (Tx, error)
	// Closed reports whether the connection is gone (the server went away,
	// or a statement's context ended).
	Closed() bool
}

// Tx is the load's transaction.
type Tx interface {
	Queries
	// CopyFrom streams rows from next into table's columns (a binary COPY
	// from the client) until next returns nil.
	CopyFrom(ctx context.Context, table string, columns []string, next func() ([]any, error)) (int64, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	Closed() bool
}

// Queries runs statements: a session, or the load's transaction.
type Queries interface {
	Querier
	// Exec runs a statement and returns the rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Querier reads rows: a session, or the load's transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
}

// Row is one row of a query; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Rows are the rows of a query, read with Next and Scan; Err tells why
// Next stopped.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// What the database said, whatever the engine or driver. An engine's
// session wraps its driver's errors so that errors.Is finds these, and the
// runner and the ledger never read a driver's codes.
var (
	ErrNoRows           = errors.New("no rows")
	ErrUndefinedTable   = errors.New("undefined table")
	ErrPermissionDenied = errors.New("permission denied")
	// ErrLockTimeout means another load held the lock for too long.
	ErrLockTimeout = errors.New("another load is still running")
)

// DBError is an error the database returned, with the warehouse's name for
// it (Kind, one of the sentinels above, or nil) and the server's detail
// line. Its text is the driver's.
type DBError struct {
	Kind   error
	Detail string
	Err    error
}

func (e *DBError) Error() string { return e.Err.Error() }

func (e *DBError) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// sqlStates name the SQLSTATEs (the same on Postgres and Redshift) the
// warehouse tells apart.
var sqlStates = map[string]error{
	"42P01": ErrUndefinedTable,
	"42501": ErrPermissionDenied,
}

// translate wraps a pgx error in a DBError; nil stays nil.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &DBError{Kind: ErrNoRows, Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &DBError{Kind: sqlStates[pgErr.Code], Detail: pgErr.Detail, Err: err}
	}
	return err
}

// NewSession returns the Session over a pgx connection.
func NewSession(conn *pgx.Conn) Session { return pgxSession{pgxQueries{conn}, conn} }

// pgxQueries runs statements on what pgx's connection and transaction
// share.
type pgxQueries struct {
	q interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	}
}

func (q pgxQueries) Exec(ctx context.Context, s string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, s, args...)
	return tag.RowsAffected(), translate(err)
}

func (q pgxQueries) Query(ctx context.Context, s string, args ...any) (Rows, error) {
	rows, err := q.q.Query(ctx, s, args...)
	if err != nil {
		return nil, translate(err)
	}
	return pgxRows{rows}, nil
}

func (q pgxQueries) QueryRow(ctx context.Context, s string, args ...any) Row {
	return pgxRow{q.q.QueryRow(ctx, s, args...)}
}

type pgxSession struct {
	pgxQueries
	conn *pgx.Conn
}

func (s pgxSession) Begin(ctx context.Context) (Tx, error) {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return nil, translate(err)
	}
	return pgxTx{pgxQueries{tx}, tx}, nil
}

func (s pgxSession) Closed() bool { return s.conn.IsClosed() }

type pgxTx struct {
	pgxQueries
	tx pgx.Tx
}

func (t pgxTx) CopyFrom(ctx context.Context, table string, columns []string, next func() ([]any, error)) (int64, error) {
	n, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromFunc(next))
	return n, translate(err)
}

func (t pgxTx) Commit(ctx context.Context) error { return translate(t.tx.Commit(ctx)) }

// Rollback of a transaction that already ended does nothing.
func (t pgxTx) Rollback(ctx context.Context) error {
	if err := t.tx.Rollback(ctx); !errors.Is(err, pgx.ErrTxClosed) {
		return translate(err)
	}
	return nil
}

func (t pgxTx) Closed() bool { return t.tx.Conn().IsClosed() }

type pgxRow struct{ row pgx.Row }

func (r pgxRow) Scan(dest ...any) error { return translate(r.row.Scan(dest...)) }

type pgxRows struct{ rows pgx.Rows }

func (r pgxRows) Next() bool             { return r.rows.Next() }
func (r pgxRows) Scan(dest ...any) error { return translate(r.rows.Scan(dest...)) }
func (r pgxRows) Err() error             { return translate(r.rows.Err()) }
func (r pgxRows) Close()                 { r.rows.Close() }
