//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/report"
)

// testReportPeriod: SPARKIFY_REPORT_PERIOD narrows every figure but the
// table sizes and the users by current level to its days, compares them
// with the period before, and says so in summary.json and on the page.

func testReportPeriod(t *testing.T, target string) {
	fixtureStack(t, target)
	dir := os.Getenv("SPARKIFY_REPORT_DIR")
	mustLoad(t)
	reportOf := func(period string) (report.Summary, string) {
		t.Helper()
		t.Setenv("SPARKIFY_REPORT_PERIOD", period)
		code, out, errOut := runJob(t, context.Background(), "-phase", "report")
		if code != 0 {
			t.Fatalf("report with SPARKIFY_REPORT_PERIOD=%s exited %d\nstdout:\n%s\nstderr:\n%s", period, code, out, errOut)
		}
		page, err := os.ReadFile(filepath.Join(dir, report.IndexFile))
		if err != nil {
			t.Fatal(err)
		}
		return readSummary(t, dir), string(page)
	}
	rows := report.TableRows{Songplays: 8, Users: 5, Songs: 6, Artists: 5, Time: 7}

	// Day 2, 2018-11-02: plays 6 01:01 u10 F paid matched, 7 01:04 u10 F
	// paid unmatched, 8 12:59 u26 M free matched. The day before holds 5
	// plays of users 10, 26, 49 and 80, one of them paid.
	t.Run("the last day", func(t *testing.T) {
		got, page := reportOf("1d")
		// The golden file holds report_period (the day before: 5 plays, 4
		// users, paid share 0.2), plays and top_users of this day.
		want := goldenSummary(t, "report_period_last_day", got, "report_period", "plays", "top_users")
		if !reflect.DeepEqual(got.ReportPeriod, want.ReportPeriod) {
			t.Errorf("report_period = %s\nwant %s", js(t, got.ReportPeriod), js(t, want.ReportPeriod))
		}
		if !reflect.DeepEqual(got.Plays, want.Plays) {
			t.Errorf("plays = %s\nwant %s", js(t, got.Plays), js(t, want.Plays))
		}
		if got.TableRows != rows || got.Users.Total != 5 || got.Users.FreeToPaid != 0 || got.Period.FirstDay != "2018-11-02" || got.Period.Days != 1 || len(got.Days) != 1 {
			t.Errorf("table rows %+v, users %+v, period %+v, days %d", got.TableRows, got.Users, got.Period, len(got.Days))
		}
		if !reflect.DeepEqual(got.TopUsers, want.TopUsers) {
			t.Errorf("top users = %+v, want %+v", got.TopUsers, want.TopUsers)
		}
		for _, s := range []string{`id="report-period"`, "SPARKIFY_REPORT_PERIOD=1d", `id="compare"`, "-40.0 %", "-50.0 %", "46.7 points"} {
			if !strings.Contains(page, s) {
				t.Errorf("the page lacks %q", s)
			}
		}
	})

	t.Run("a month", func(t *testing.T) {
		got, _ := reportOf("2018-11")
		if got.Plays.Total != 8 || got.Plays.Users != 4 || got.Plays.Sessions != 6 || got.Users.FreeToPaid != 1 {
			t.Errorf("plays = %+v, users %+v; want the whole fixture", got.Plays, got.Users)
		}
		p := got.ReportPeriod
		if p.Name != "November 2018" || p.From != "2018-11-01" || p.To != "2018-11-30" || p.Previous == nil ||
			p.Previous.From != "2018-10-01" || p.Previous.To != "2018-10-31" || p.Previous.Plays != 0 || p.Previous.PlaysChange != nil {
			t.Errorf("report_period = %s", js(t, p))
		}
	})

	t.Run("no plays in the period", func(t *testing.T) {
		got, page := reportOf("2017-01-01..2017-01-31")
		if !got.Empty || got.Plays.Total != 0 || got.TableRows != rows || got.ReportPeriod.Spec != "2017-01-01..2017-01-31" {
			t.Errorf("summary = %s", js(t, got))
		}
		if !strings.Contains(page, "No song plays in the period asked for") {
			t.Error("the page does not say the period holds no plays")
		}
	})
}

// js is v as indented JSON, for failure messages.
func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
