package report

import (
	"reflect"
	"testing"
	"time"
)

// daysSummary is a summary of n days from first, each with one play (paid
// on Mondays).
func daysSummary(first string, n int) Summary {
	var s Summary
	for i := range n {
		t := date(first).AddDate(0, 0, i)
		paid := int64(0)
		if t.Weekday() == time.Monday {
			paid = 1
		}
		s.Days = append(s.Days, Day{Date: t.Format(dateLayout), Plays: 1, ByLevel: map[string]int64{"free": 1 - paid, "paid": paid}, Sessions: 2})
	}
	return s
}

func TestTimeSlots(t *testing.T) {
	tests := []struct {
		name       string
		first      string
		days       int
		wantWeekly bool
		wantStarts []string
		wantDays   []int // days in each slot
	}{
		{
			name: "eight weeks stay daily", first: "2018-11-01", days: 56,
			wantStarts: nil, // one slot per day, checked below
		},
		{
			// Thu 2018-11-01 to Thu 2018-12-27: Thu-Sun, 7 full weeks, Mon-Thu.
			name: "57 days from a Thursday", first: "2018-11-01", days: 57, wantWeekly: true,
			wantStarts: []string{"2018-11-01", "2018-11-05", "2018-11-12", "2018-11-19", "2018-11-26", "2018-12-03", "2018-12-10", "2018-12-17", "2018-12-24"},
			wantDays:   []int{4, 7, 7, 7, 7, 7, 7, 7, 4},
		},
		{
			// Mon 2018-11-05 to Sun 2019-01-06: 9 full weeks across a year end.
			name: "nine whole weeks", first: "2018-11-05", days: 63, wantWeekly: true,
			wantStarts: []string{"2018-11-05", "2018-11-12", "2018-11-19", "2018-11-26", "2018-12-03", "2018-12-10", "2018-12-17", "2018-12-24", "2018-12-31"},
			wantDays:   []int{7, 7, 7, 7, 7, 7, 7, 7, 7},
		},
		{
			// Sun 2018-11-04 to Mon 2019-01-07: a one-day week at each end.
			name: "one-day weeks at both ends", first: "2018-11-04", days: 65, wantWeekly: true,
			wantStarts: []string{"2018-11-04", "2018-11-05", "2018-11-12", "2018-11-19", "2018-11-26", "2018-12-03", "2018-12-10", "2018-12-17", "2018-12-24", "2018-12-31", "2019-01-07"},
			wantDays:   []int{1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := daysSummary(tt.first, tt.days)
			ss := timeSlots(s)
			if ss.weekly != tt.wantWeekly || weekly(s) != tt.wantWeekly {
				t.Fatalf("weekly = %v, want %v", ss.weekly, tt.wantWeekly)
			}
			if !tt.wantWeekly {
				if len(ss.list) != tt.days || ss.weekendDays() == nil {
					t.Errorf("%d daily slots (weekends %v), want %d with weekends", len(ss.list), ss.weekendDays() != nil, tt.days)
				}
				for _, sl := range ss.list {
					if len(sl.days) != 1 {
						t.Fatalf("daily slot %s holds %d days", sl.start.Format(dateLayout), len(sl.days))
					}
				}
				return
			}
			var starts []string
			var days []int
			for _, sl := range ss.list {
				starts = append(starts, sl.start.Format(dateLayout))
				days = append(days, len(sl.days))
			}
			if !reflect.DeepEqual(starts, tt.wantStarts) || !reflect.DeepEqual(days, tt.wantDays) {
				t.Errorf("slots start %v holding %v days, want %v holding %v", starts, days, tt.wantStarts, tt.wantDays)
			}
			// One play a day: a week's plays are its days; two sessions a day.
			var wantPlays, wantSessions []float64
			var wantPartial []bool
			for _, n := range tt.wantDays {
				wantPlays = append(wantPlays, float64(n))
				wantSessions = append(wantSessions, float64(2*n))
				wantPartial = append(wantPartial, n < 7)
			}
			if got := ss.values(func(d Day) int64 { return d.Plays }); !reflect.DeepEqual(got, wantPlays) {
				t.Errorf("plays per week = %v, want %v", got, wantPlays)
			}
			if got := ss.values(func(d Day) int64 { return d.Sessions }); !reflect.DeepEqual(got, wantSessions) {
				t.Errorf("sessions per week = %v, want %v", got, wantSessions)
			}
			if got := ss.partial(); !reflect.DeepEqual(got, wantPartial) {
				t.Errorf("partial = %v, want %v", got, wantPartial)
			}
			if ss.weekendDays() != nil {
				t.Error("a weekly chart shades weekends")
			}
		})
	}
}

func TestSlotPaidShare(t *testing.T) {
	ss := timeSlots(daysSummary("2018-11-01", 57))
	// Thu-Sun: no Monday, no paid play; a full week: 1 paid of 7; the last
	// week (Mon-Thu): 1 of 4.
	for _, tt := range []struct {
		slot int
		want float64
	}{{0, 0}, {1, 1.0 / 7}, {8, 0.25}} {
		if got := ss.list[tt.slot].paidShare(); got == nil || *got != tt.want {
			t.Errorf("slot %d: paid share %v, want %v", tt.slot, got, tt.want)
		}
	}
	if got := (slot{days: []Day{{Date: "2018-11-01"}}}).paidShare(); got != nil {
		t.Errorf("paid share of a slot without plays = %v, want nil", *got)
	}
}

func TestChartTitles(t *testing.T) {
	daily, weeklyS := daysSummary("2018-11-01", 56), daysSummary("2018-11-01", 57)
	want := map[string][2]string{
		"plays_per_day_by_gender.png": {"Song plays per day by gender", "Song plays per week by gender"},
		"plays_per_day_by_level.png":  {"Song plays per day by level at the time of play", "Song plays per week by level at the time of play"},
		"paid_share_per_day.png":      {"Share of song plays by paid users, per day", "Share of song plays by paid users, per week"},
		"sessions_per_day.png":        {"Sessions with song plays per day", "Sessions with song plays per week"},
		"plays_by_weekday_hour.png":   {"Average song plays by weekday and hour of day (UTC)", "Average song plays by weekday and hour of day (UTC)"},
	}
	for _, spec := range chartSpecs {
		w, ok := want[spec.file]
		if !ok {
			continue
		}
		if got := [2]string{spec.titleFor(daily), spec.titleFor(weeklyS)}; got != w {
			t.Errorf("%s: titles %q, want %q", spec.file, got, w)
		}
	}
}
