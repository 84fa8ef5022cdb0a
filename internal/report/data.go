package report

import (
	"fmt"
	"time"
)

// Data is what the report queries return, before any gap filling or
// derived figure. Tests build it in memory; Collect fills it from the
// warehouse.
type Data struct {
	// Loads is the load history's latest entries (nil without
	// sparkify_loads).
	Loads *Loads

	// Loaded is false when the star tables do not exist yet (no load has
	// run); every other field is then zero.
	Loaded bool

	// Period is the period asked for. From and To are its first and last
	// day (UTC midnights) when it is bounded; zero for all history, whose
	// days are those of the first and last play.
	Period   PeriodSpec
	From, To time.Time
	// Previous is the headline figures of the period before a bounded one
	// (nil for all history).
	Previous *PeriodTotals

	// TableRows is the size of the star tables, whatever the period.
	TableRows TableRows

	Plays        int64
	MatchedPlays int64
	PaidPlays    int64
	PlayingUsers int64
	Sessions     int64
	// FirstPlay and LastPlay are zero when there are no plays.
	FirstPlay, LastPlay time.Time

	UsersByLevelGender []LevelGenderUsers
	PlaysByDay         []DayPlays
	SessionsByDay      []DaySessions
	PlaysByWeekdayHour []WeekdayHourPlays

	TopSongs   []TopSong
	TopArtists []TopArtist
	TopUsers   []TopUser

	FreeToPaid int64
	PaidToFree int64
}

// PeriodTotals are the headline figures of the days From to To (UTC
// midnights, both included).
type PeriodTotals struct {
	From, To                time.Time
	Plays, PaidPlays, Users int64
}

// LevelGenderUsers is one row of the users by current level and gender. An
// empty Level or Gender is a NULL in the warehouse.
type LevelGenderUsers struct {
	Level, Gender string
	Users         int64
}

// DayPlays is the song plays of one UTC day by one gender at one level (the
// level at the time of play). Empty strings are NULLs in the warehouse.
type DayPlays struct {
	Day           time.Time
	Gender, Level string
	Plays         int64
}

// DaySessions is the number of sessions with a song play on one UTC day.
type DaySessions struct {
	Day      time.Time
	Sessions int64
}

// WeekdayHourPlays is the song plays in one weekday (0 = Sunday) and hour
// (0-23, UTC).
type WeekdayHourPlays struct {
	Weekday, Hour int
	Plays         int64
}

// Loads is what the report says about the freshness of its data.
type Loads struct {
	// Last is the last load attempt, LastCommitted the last load that
	// committed (nil when there is none).
	Last          *LoadInfo `json:"last_load"`
	LastCommitted *LoadInfo `json:"last_successful_load"`
	// MaxAgeHours is SPARKIFY_REPORT_MAX_AGE, in hours.
	MaxAgeHours float64 `json:"max_age_hours"`
	// Warnings say when the last load failed or the data is older than
	// MaxAgeHours; empty when the data is fresh.
	Warnings []string `json:"warnings"`
}

// LoadInfo is one load of sparkify_loads.
type LoadInfo struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	FinishedAt time.Time `json:"finished_at"`
	ErrorClass string    `json:"error_class,omitempty"`
}

// CheckFreshness fills the warnings of l for a report made at generated:
// the last load failed, there is no committed load, or the last committed
// load is older than maxAge.
func (l *Loads) CheckFreshness(generated time.Time, maxAge time.Duration) {
	l.MaxAgeHours = maxAge.Hours()
	l.Warnings = []string{}
	if l.Last != nil && l.Last.Status != "committed" {
		l.Warnings = append(l.Warnings, fmt.Sprintf("The last load (%s, %s UTC) failed (%s): the data below predates it.",
			l.Last.ID, l.Last.FinishedAt.Format("2006-01-02 15:04"), l.Last.ErrorClass))
	}
	switch {
	case l.LastCommitted == nil:
		l.Warnings = append(l.Warnings, "No load has committed yet.")
	case generated.Sub(l.LastCommitted.FinishedAt) > maxAge:
		l.Warnings = append(l.Warnings, fmt.Sprintf("The data is %s old: the last successful load finished %s UTC, more than %s ago (SPARKIFY_REPORT_MAX_AGE).",
			generated.Sub(l.LastCommitted.FinishedAt).Round(time.Minute), l.LastCommitted.FinishedAt.Format("2006-01-02 15:04"), maxAge))
	}
}
