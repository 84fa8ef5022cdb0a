package report

// How the per-day charts group the days of the period: one bar per day,
// or one per week when the period is too long for daily bars to read.

import "time"

// dailyDays is the longest period, in days, that the per-day charts draw
// day by day (eight weeks); a longer period is drawn by week.
const dailyDays = 56

// weekly tells whether the per-day charts of s are drawn by week.
func weekly(s Summary) bool { return len(s.Days) > dailyDays }

// slot is one bar of a per-day chart: one day, or the days of one ISO week
// (Monday to Sunday, UTC) that the period holds.
type slot struct {
	// start is the slot's first day in the period: the Monday of its week,
	// except for a period that starts later in the week.
	start time.Time
	days  []Day
}

// slots are the bars of a per-day chart, in date order.
type slots struct {
	list   []slot
	weekly bool
}

// timeSlots groups the days of s into the bars of its per-day charts: one
// per day for up to dailyDays days, else one per ISO week. The weeks at
// either end of the period may be partial (fewer than 7 days).
func timeSlots(s Summary) slots {
	out := slots{weekly: weekly(s)}
	for i, t := range summaryDays(s) {
		if !out.weekly || i == 0 || t.Weekday() == time.Monday {
			out.list = append(out.list, slot{start: t})
		}
		last := &out.list[len(out.list)-1]
		last.days = append(last.days, s.Days[i])
	}
	return out
}

// sum adds up f over the slot's days.
func (sl slot) sum(f func(Day) int64) int64 {
	var n int64
	for _, d := range sl.days {
		n += f(d)
	}
	return n
}

// paidShare is the share of the slot's plays by paid users, nil when the
// slot has no plays.
func (sl slot) paidShare() *float64 {
	plays := sl.sum(func(d Day) int64 { return d.Plays })
	if plays == 0 {
		return nil
	}
	share := float64(sl.sum(func(d Day) int64 { return d.ByLevel["paid"] })) / float64(plays)
	return &share
}

// values returns f summed over each slot, as bar heights.
func (ss slots) values(f func(Day) int64) []float64 {
	out := make([]float64, len(ss.list))
	for i, sl := range ss.list {
		out[i] = float64(sl.sum(f))
	}
	return out
}

// starts returns the first day of each slot.
func (ss slots) starts() []time.Time {
	out := make([]time.Time, len(ss.list))
	for i, sl := range ss.list {
		out[i] = sl.start
	}
	return out
}

// partial tells, for each slot, whether it is a week that the period holds
// only in part; daily slots never are.
func (ss slots) partial() []bool {
	out := make([]bool, len(ss.list))
	for i, sl := range ss.list {
		out[i] = ss.weekly && len(sl.days) < 7
	}
	return out
}

// weekendDays returns the days whose weekends a chart shades: every day of
// a daily chart, none of a weekly one (a week holds its own weekend).
func (ss slots) weekendDays() []time.Time {
	if ss.weekly {
		return nil
	}
	return ss.starts()
}

// unitName is the unit of a per-day chart's slots, for its title: "day" or
// "week".
func unitName(weekly bool) string {
	if weekly {
		return "week"
	}
	return "day"
}
