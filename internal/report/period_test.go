package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in, want string // want: String() of the result, or "error: ..." for a refusal
	}{
		{"", "all"},
		{"all", "all"},
		{" 30d ", "30d"},
		{"1d", "1d"},
		{"2018-11", "2018-11"},
		{"2018-11-01..2018-11-15", "2018-11-01..2018-11-15"},
		{"2018-11-01..2018-11-01", "2018-11-01..2018-11-01"},
		{"0d", "error: N of Nd must be a whole number from 1 to 36600"},
		{"-3d", "error: is not a report period"},
		{"30", "error: is not a report period"},
		{"thirty d", "error: is not a report period"},
		{"2018-13", "error: is not a report period"},
		{"2018-11-15..2018-11-01", "error: its last day is before its first"},
		{"2018-11-01..", "error: is not a report period"},
		{"2018-11-31..2018-12-01", "error: is not a report period"},
		{"last month", "error: use all (every play, the default), Nd"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("ParsePeriod(%q) = %v, %v; want an error containing %q", tt.in, p, err, want)
				}
				return
			}
			if err != nil || p.String() != tt.want {
				t.Fatalf("ParsePeriod(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
			}
		})
	}
}

func TestResolvePeriod(t *testing.T) {
	lastPlay := time.Date(2018, 11, 30, 23, 59, 0, 0, time.UTC)
	tests := []struct {
		spec                       string
		from, to, prevFrom, prevTo string
	}{
		{"30d", "2018-11-01", "2018-11-30", "2018-10-02", "2018-10-31"},
		{"1d", "2018-11-30", "2018-11-30", "2018-11-29", "2018-11-29"},
		{"2018-11", "2018-11-01", "2018-11-30", "2018-10-01", "2018-10-31"},
		{"2018-03", "2018-03-01", "2018-03-31", "2018-02-01", "2018-02-28"},
		{"2018-11-01..2018-11-15", "2018-11-01", "2018-11-15", "2018-10-17", "2018-10-31"},
		{"2018-03-20..2018-04-05", "2018-03-20", "2018-04-05", "2018-03-03", "2018-03-19"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			p, err := ParsePeriod(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			from, to, pf, pt := p.Resolve(lastPlay)
			got := []string{from.Format(dateLayout), to.Format(dateLayout), pf.Format(dateLayout), pt.Format(dateLayout)}
			want := []string{tt.from, tt.to, tt.prevFrom, tt.prevTo}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("Resolve = %v, want %v", got, want)
			}
		})
	}
	if from, to, pf, pt := (PeriodSpec{}).Resolve(lastPlay); !from.IsZero() || !to.IsZero() || !pf.IsZero() || !pt.IsZero() {
		t.Errorf("all history resolves to %v %v %v %v, want zeros", from, to, pf, pt)
	}
}

// rollupless answers as a warehouse whose star tables exist but whose
// schema predates the rollups.
type rollupless struct{ fakeDB }

func (db *rollupless) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if sql == qTimeSpan {
		return nil, &pgconn.PgError{Code: "42P01", Message: `relation "rollup_hours" does not exist`}
	}
	return db.fakeDB.Query(ctx, sql, args...)
}

func TestCollectWithoutRollups(t *testing.T) {
	db := &rollupless{fakeDB{rows: map[string][][]any{
		qStarTables: {{"artists"}, {"songplays"}, {"songs"}, {"time"}, {"users"}},
	}}}
	_, err := CollectPeriod(context.Background(), db, queryFS(), PeriodSpec{Kind: LastDays, Days: 30})
	if err == nil || !strings.Contains(err.Error(), "report query 00_time_span.sql") || !strings.Contains(err.Error(), "run a load, which adds and fills them") {
		t.Errorf("err = %v, want it to say a load adds the rollups", err)
	}
}
