package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/report"
)

// loggedQuerier runs the report's queries on q and logs each one, by its
// file name, with its duration (the time until its rows are read), at
// debug level; queries counts them.
type loggedQuerier struct {
	q       report.Querier
	log     *slog.Logger
	names   map[string]string // SQL text → file name
	queries int
}

func newLoggedQuerier(q report.Querier, stmts []report.Statement, log *slog.Logger) *loggedQuerier {
	names := make(map[string]string, len(stmts))
	for _, s := range stmts {
		names[s.SQL] = report.QueryDir + "/" + s.Name
	}
	return &loggedQuerier{q: q, log: log, names: names}
}

func (l *loggedQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	l.queries++
	name := l.names[sql]
	start := time.Now()
	rows, err := l.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return &loggedRows{Rows: rows, done: func() {
		l.log.Debug("report query done", "query", name, "duration_ms", time.Since(start).Milliseconds())
	}}, nil
}

// loggedRows calls done once, when the rows are closed.
type loggedRows struct {
	pgx.Rows
	done func()
}

func (r *loggedRows) Close() {
	r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
}
