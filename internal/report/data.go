package report

import "time"

// Data is what the report queries return, before any gap filling or
// derived figure. Tests build it in memory; Collect fills it from the
// warehouse.
type Data struct {
	// Loaded is false when the star tables do not exist yet (no load has
	// run); every other field is then zero.
	Loaded bool

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
