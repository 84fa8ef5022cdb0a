package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeriodKind is the form of a report period.
type PeriodKind int

// The forms of SPARKIFY_REPORT_PERIOD.
const (
	AllHistory PeriodKind = iota // "all": every play (the default)
	LastDays                     // "30d": the last N days up to the day of the last play
	Month                        // "2018-11": one calendar month (UTC)
	DayRange                     // "2018-11-01..2018-11-15": days, both included
)

// maxLastDays bounds "Nd" (about a hundred years).
const maxLastDays = 36600

// PeriodForms names the accepted values of SPARKIFY_REPORT_PERIOD.
const PeriodForms = `all (every play, the default), Nd (the last N days up to the day of the last play, e.g. 30d), YYYY-MM (a month, e.g. 2018-11) or YYYY-MM-DD..YYYY-MM-DD (days, both included, e.g. 2018-11-01..2018-11-15)`

// PeriodSpec is the period a report covers, as asked (SPARKIFY_REPORT_PERIOD).
// The zero value is all history.
type PeriodSpec struct {
	Kind PeriodKind
	// Days is N of "Nd".
	Days int
	// From and To are the first and last day (UTC midnights) of a Month or
	// a DayRange.
	From, To time.Time
}

// ParsePeriod reads a period in one of the forms of PeriodForms; the empty
// string is all history.
func ParsePeriod(s string) (PeriodSpec, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (PeriodSpec, error) {
		return PeriodSpec{}, fmt.Errorf("%q is not a report period%s: use %s", s, why, PeriodForms)
	}
	switch {
	case s == "" || s == "all":
		return PeriodSpec{}, nil
	case strings.HasSuffix(s, "d") && !strings.Contains(s, "-"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 1 || n > maxLastDays {
			return bad(fmt.Sprintf(" (N of Nd must be a whole number from 1 to %d)", maxLastDays))
		}
		return PeriodSpec{Kind: LastDays, Days: n}, nil
	case strings.Contains(s, ".."):
		a, b, _ := strings.Cut(s, "..")
		from, err1 := time.Parse(dateLayout, a)
		to, err2 := time.Parse(dateLayout, b)
		if err1 != nil || err2 != nil {
			return bad("")
		}
		if to.Before(from) {
			return bad(" (its last day is before its first)")
		}
		return PeriodSpec{Kind: DayRange, From: from, To: to}, nil
	default:
		m, err := time.Parse("2006-01", s)
		if err != nil {
			return bad("")
		}
		return PeriodSpec{Kind: Month, From: m, To: m.AddDate(0, 1, -1)}, nil
	}
}

// Decode parses the variable's value (envconfig.Decoder).
func (p *PeriodSpec) Decode(s string) error {
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// String spells the period as SPARKIFY_REPORT_PERIOD does.
func (p PeriodSpec) String() string {
	switch p.Kind {
	case LastDays:
		return fmt.Sprintf("%dd", p.Days)
	case Month:
		return p.From.Format("2006-01")
	case DayRange:
		return p.From.Format(dateLayout) + ".." + p.To.Format(dateLayout)
	}
	return "all"
}

// Bounded is false for all history.
func (p PeriodSpec) Bounded() bool { return p.Kind != AllHistory }

// Resolve returns the period's first and last day (UTC midnights, both
// included), lastPlay being the last play in the warehouse (only "Nd"
// needs it), and the period before it: as many days right before (the
// month before, for a month). For all history both are zero.
func (p PeriodSpec) Resolve(lastPlay time.Time) (from, to, prevFrom, prevTo time.Time) {
	switch p.Kind {
	case LastDays:
		to = day(lastPlay)
		from = to.AddDate(0, 0, 1-p.Days)
	case Month:
		from, to = p.From, p.To
		return from, to, from.AddDate(0, -1, 0), from.AddDate(0, 0, -1)
	case DayRange:
		from, to = p.From, p.To
	default:
		return
	}
	n := int(to.Sub(from).Hours()/24+0.5) + 1
	return from, to, from.AddDate(0, 0, -n), from.AddDate(0, 0, -1)
}
