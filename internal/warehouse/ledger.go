package warehouse

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// Ledger is what a load knows of the source objects committed loads took,
// and collects the objects it takes itself (written to
// sparkify_source_objects in its transaction).
type Ledger struct {
	known map[string]string // uri -> version; nil for a full refresh

	mu     sync.Mutex
	taken  []source.Object
	counts map[string]*ObjectCounts // per staging table
}

// ObjectCounts are a source's objects by what the ledger says of them.
type ObjectCounts struct {
	New, Changed, Skipped int64
}

// LedgerStatements are the SQL of the ledger (sql/shared/bookkeeping/ledger.sql).
type LedgerStatements struct {
	Read, Create, Add, Forget, Record sql.Statement
}

func readLedgerStatements(fsys fs.FS) (LedgerStatements, error) {
	st, err := named(fsys, "shared/bookkeeping/ledger.sql", "read", "create", "add", "forget", "record")
	if err != nil {
		return LedgerStatements{}, err
	}
	return LedgerStatements{Read: st[0], Create: st[1], Add: st[2], Forget: st[3], Record: st[4]}, nil
}

// ReadLedger reads the ledger, outside the load's transaction. With
// fullRefresh, or before the ledger's table exists, every object counts as
// new. A concurrent load committing objects meanwhile only makes this one
// stage them again, which the transforms absorb.
func ReadLedger(ctx context.Context, conn *pgx.Conn, p *Plan, fullRefresh bool) (*Ledger, error) {
	l := &Ledger{counts: map[string]*ObjectCounts{}}
	if fullRefresh {
		return l, nil
	}
	ctx, cancel := context.WithTimeout(ctx, BookkeepingTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, p.Ledger.Read.SQL)
	if err == nil {
		// A row's two text columns are taken as they arrive: a ledger holds
		// a row per song file, 100,000s of them, read before every load.
		l.known = map[string]string{}
		for rows.Next() {
			v := rows.RawValues()
			l.known[string(v[0])] = string(v[1])
		}
		err = rows.Err()
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
		return l, nil // no load has created it yet
	}
	if err != nil {
		return nil, stmtError(p.Ledger.Read, err)
	}
	return l, nil
}

// Take decides whether the load stages o (a new or changed object) for the
// staging table, counts it, and remembers the objects taken.
func (l *Ledger) Take(table string, o source.Object) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts[table]
	if c == nil {
		c = &ObjectCounts{}
		l.counts[table] = c
	}
	old, seen := l.known[o.URI]
	switch {
	case !seen:
		c.New++
	case old != o.Version || o.Version == "":
		c.Changed++
	default:
		c.Skipped++
		return false
	}
	l.taken = append(l.taken, o)
	return true
}

// Counts returns the counts of a staging table's source.
func (l *Ledger) Counts(table string) ObjectCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.counts[table]; c != nil {
		return *c
	}
	return ObjectCounts{}
}

// Filter returns a store that lists only the objects the load takes.
func (l *Ledger) Filter(table string, s source.Store) source.Store {
	return &ledgerStore{Store: s, ledger: l, table: table}
}

type ledgerStore struct {
	source.Store
	ledger *Ledger
	table  string
	seen   bool
}

func (s *ledgerStore) List(ctx context.Context, fn func(source.Object) error) error {
	return s.Store.List(ctx, func(o source.Object) error {
		s.seen = true
		if s.ledger.Take(s.table, o) {
			return fn(o)
		}
		return nil
	})
}

// ledgerBatch is how many objects go into one INSERT of the ledger.
const ledgerBatch = 500

// write records the objects taken, in the load's transaction.
func (l *Ledger) write(ctx context.Context, tx pgx.Tx, st LedgerStatements, loadID string) error {
	if len(l.taken) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, st.Create.SQL); err != nil {
		return stmtError(st.Create, err)
	}
	for start := 0; start < len(l.taken); start += ledgerBatch {
		batch := l.taken[start:min(start+ledgerBatch, len(l.taken))]
		rows := make([]string, len(batch))
		args := make([]any, 0, 2*len(batch))
		for i, o := range batch {
			rows[i] = "($" + strconv.Itoa(2*i+1) + ", $" + strconv.Itoa(2*i+2) + ")"
			args = append(args, o.URI, o.Version)
		}
		q := strings.Replace(st.Add.SQL, "{{ROWS}}", strings.Join(rows, ", "), 1)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return stmtError(st.Add, err)
		}
	}
	if _, err := tx.Exec(ctx, st.Forget.SQL); err != nil {
		return stmtError(st.Forget, err)
	}
	if _, err := tx.Exec(ctx, st.Record.SQL, loadID); err != nil {
		return stmtError(st.Record, err)
	}
	return nil
}
