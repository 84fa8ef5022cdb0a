package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// Ledger is what a load knows of the source objects the warehouse holds,
// and collects the objects it takes itself (written to sparkify_objects in
// its transaction).
type Ledger struct {
	// known holds the version of each object the warehouse holds, by its
	// ObjectID; nil for a rebuild. Take removes the objects the listing
	// sees, so what is left once every source is listed is what the
	// sources lost, whose URIs Deleted then reads. Keyed by id, not URI,
	// and with compact versions: a million objects take about 30 MB here
	// instead of 140 MB.
	known *versions
	uris  sql.Statement // reads the URIs of ids

	mu        sync.Mutex
	taken     []source.Object
	retracted []string                 // URIs of deleted objects whose rows the load removes
	counts    map[string]*ObjectCounts // per staging table
}

// ObjectCounts are a source's objects by what the ledger says of them.
// Deleted counts the objects the ledger holds that the source no longer
// lists; Retracted those of them whose rows the load removed.
type ObjectCounts struct {
	New, Changed, Skipped, Deleted, Retracted int64
}

// ObjectID is the lineage id of the object at uri: the first 8 bytes of the
// SHA-256 of the URI, as a signed 64-bit integer (the source_object column).
// It is a function of the URI alone, so every load computes the same id
// without asking the database, and a rewritten object keeps its id.
func ObjectID(uri string) int64 {
	sum := sha256.Sum256([]byte(uri))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// Rebuild reports whether the load rebuilds the star tables from every
// object: a full refresh, or no ledger yet (a first load, or the first load
// after the upgrade that added lineage).
func (l *Ledger) Rebuild() bool { return l == nil || l.known == nil }

// LedgerStatements are the SQL of the ledger (sql/shared/bookkeeping/ledger.sql).
type LedgerStatements struct {
	Read, URIs, Create, Add, Analyze, Forget, Record sql.Statement
}

// DeletedSources says what a load does with the rows of an object that the
// ledger holds and the source no longer lists (SPARKIFY_DELETED_SOURCES).
type DeletedSources string

// Deleted-source policies.
const (
	// KeepDeleted keeps what deleted objects brought: raw logs are often
	// expired by bucket lifecycle rules, and their history must stay.
	KeepDeleted DeletedSources = "keep"
	// RetractDeleted removes what deleted objects brought, so that the
	// warehouse equals its sources as they are now.
	RetractDeleted DeletedSources = "retract"
)

// Decode parses a policy name (envconfig.Decoder).
func (d *DeletedSources) Decode(s string) error {
	switch DeletedSources(s) {
	case KeepDeleted, RetractDeleted:
		*d = DeletedSources(s)
		return nil
	}
	return fmt.Errorf("unknown value %q: use keep (the rows of deleted source objects stay) or retract (they are removed)", s)
}

func readLedgerStatements(fsys fs.FS) (LedgerStatements, error) {
	st, err := named(fsys, "shared/bookkeeping/ledger.sql", "read", "uris", "create", "add", "analyze", "forget", "record")
	if err != nil {
		return LedgerStatements{}, err
	}
	return LedgerStatements{Read: st[0], URIs: st[1], Create: st[2], Add: st[3], Analyze: st[4], Forget: st[5], Record: st[6]}, nil
}

// ReadLedger reads the ledger, outside the load's transaction. With
// fullRefresh, or before the ledger's table exists, every object counts as
// new and the load rebuilds the star tables. A concurrent load committing objects meanwhile only makes this one
// stage them again, which the transforms absorb.
func ReadLedger(ctx context.Context, q Querier, p *Plan, fullRefresh bool) (*Ledger, error) {
	l := &Ledger{counts: map[string]*ObjectCounts{}, uris: p.Ledger.URIs}
	if fullRefresh {
		return l, nil
	}
	ctx, cancel := context.WithTimeout(ctx, BookkeepingTimeout)
	defer cancel()
	rows, err := q.Query(ctx, p.Ledger.Read.SQL)
	if err == nil {
		// A row's two text columns are taken as they arrive: a ledger holds
		// a row per song file, 100,000s of them, read before every load.
		l.known = newVersions()
		var id int64
		var version string
		for rows.Next() {
			if err := rows.Scan(&id, &version); err != nil {
				rows.Close()
				return nil, stmtError(p.Ledger.Read, err)
			}
			l.known.set(id, version)
		}
		err = rows.Err()
	}
	if errors.Is(err, ErrUndefinedTable) {
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
	c := l.countsOf(table)
	seen, same := false, false
	if l.known != nil {
		seen, same = l.known.seen(ObjectID(o.URI), o.Version)
	}
	switch {
	case !seen:
		c.New++
	case !same || o.Version == "":
		c.Changed++
	default:
		c.Skipped++
		return false
	}
	l.taken = append(l.taken, o)
	return true
}

// countsOf returns table's counts, created on first use; l.mu is held.
func (l *Ledger) countsOf(table string) *ObjectCounts {
	c := l.counts[table]
	if c == nil {
		c = &ObjectCounts{}
		l.counts[table] = c
	}
	return c
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

// Deleted finds, once table's source is listed, the objects of the ledger
// under loc that the listing did not see, counts them for table, and with
// RetractDeleted takes them for removal. It reads their URIs through q.
func (l *Ledger) Deleted(ctx context.Context, q Querier, table string, loc source.Location, policy DeletedSources) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	uris, err := l.unseen(ctx, q)
	if err != nil {
		return err
	}
	l.countDeleted(table, loc, policy, uris)
	return nil
}

// unseen reads the URIs of the objects the listings have not seen so far.
func (l *Ledger) unseen(ctx context.Context, q Querier) (map[int64]string, error) {
	var ids []int64
	if l.known != nil {
		ids = l.known.ids()
	}
	uris := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += ledgerBatch {
		batch := ids[start:min(start+ledgerBatch, len(ids))]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		rows, err := q.Query(ctx, strings.ReplaceAll(l.uris.SQL, "{{IDS}}", params(1, len(batch))), args...)
		if err != nil {
			return nil, stmtError(l.uris, err)
		}
		var id int64
		var uri string
		for rows.Next() {
			if err := rows.Scan(&id, &uri); err != nil {
				rows.Close()
				return nil, stmtError(l.uris, err)
			}
			uris[id] = uri
		}
		if err := rows.Err(); err != nil {
			return nil, stmtError(l.uris, err)
		}
	}
	return uris, nil
}

// countDeleted counts for table the unseen objects (uris, by id) under loc,
// and with RetractDeleted takes them for removal; l.mu is held.
func (l *Ledger) countDeleted(table string, loc source.Location, policy DeletedSources, uris map[int64]string) {
	c := l.countsOf(table)
	for id, uri := range uris {
		if !Under(loc, uri) {
			continue
		}
		c.Deleted++
		if policy == RetractDeleted {
			c.Retracted++
			l.retracted = append(l.retracted, uri)
			l.known.remove(id) // taken once, whatever the sources
		}
	}
}

// Under reports whether the object at uri lies under loc, as a listing of
// loc would take it.
func Under(loc source.Location, uri string) bool {
	var key string
	switch loc.Scheme {
	case "s3":
		rest, ok := strings.CutPrefix(uri, "s3://"+loc.Bucket+"/")
		if !ok {
			return false
		}
		key = rest
	case "file":
		rest, ok := strings.CutPrefix(uri, "file://")
		if !ok {
			return false
		}
		key = rest
	default:
		return false
	}
	return source.InPrefix(loc.Path, key)
}

// Replaces reports whether the load replaces an object the warehouse holds
// rows of: a changed one, or a retracted one.
func (l *Ledger) Replaces() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.counts {
		if c.Changed > 0 || c.Retracted > 0 {
			return true
		}
	}
	return false
}

// ReportAs makes the load report its sources as old listed them: a
// rebuild decided after a first listing says what the sources did (an
// object changed), not that every object was taken.
func (l *Ledger) ReportAs(old *Ledger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old.mu.Lock()
	defer old.mu.Unlock()
	l.counts = old.counts
}

// Changes reports whether the load replaces any object: one staged, or one
// retracted.
func (l *Ledger) Changes() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.taken) > 0 || len(l.retracted) > 0
}

// ledgerBatch is how many objects go into one INSERT of the ledger.
const ledgerBatch = 250

// writeObjects fills load_objects, in the load's transaction, with the
// objects the load replaces: those it took and those it retracts. The
// transforms read it; a nil ledger writes an empty table.
func (l *Ledger) writeObjects(ctx context.Context, tx Queries, st LedgerStatements) error {
	if _, err := tx.Exec(ctx, st.Create.SQL); err != nil {
		return stmtError(st.Create, err)
	}
	if l == nil {
		return nil
	}
	n := len(l.taken) + len(l.retracted)
	for start := 0; start < n; start += ledgerBatch {
		end := min(start+ledgerBatch, n)
		groups := make([]string, 0, end-start)
		args := make([]any, 0, 4*(end-start))
		for i := start; i < end; i++ {
			uri, version, retracted := "", "", 1
			if i < len(l.taken) {
				uri, version, retracted = l.taken[i].URI, l.taken[i].Version, 0
			} else {
				uri = l.retracted[i-len(l.taken)]
			}
			p := 4*len(groups) + 1
			groups = append(groups, "("+params(p, 4)+")")
			args = append(args, uri, version, ObjectID(uri), int32(retracted))
		}
		q := strings.Replace(st.Add.SQL, "{{ROWS}}", strings.Join(groups, ", "), 1)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return stmtError(st.Add, err)
		}
	}
	if _, err := tx.Exec(ctx, st.Analyze.SQL); err != nil {
		return stmtError(st.Analyze, err)
	}
	return nil
}

// write updates the ledger from load_objects, in the load's transaction:
// the objects replaced are forgotten, and those taken recorded with their
// version.
func (l *Ledger) write(ctx context.Context, tx Queries, st LedgerStatements, loadID string) error {
	if _, err := tx.Exec(ctx, st.Forget.SQL); err != nil {
		return stmtError(st.Forget, err)
	}
	if _, err := tx.Exec(ctx, st.Record.SQL, loadID); err != nil {
		return stmtError(st.Record, err)
	}
	return nil
}

// params is a list of n bind parameters from $first: "$1, $2, $3".
func params(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(first+i))
	}
	return b.String()
}
