package report

import (
	"fmt"
	"sort"
	"time"
)

// SchemaVersion is the version of the summary.json contract. It changes only
// when a key is removed or changes meaning; new keys may be added within a
// version.
const SchemaVersion = 1

// Unknown is the category shown for a gender or level that is NULL in the
// warehouse.
const Unknown = "unknown"

// Summary is the contract of summary.json: every number that index.html
// shows, under stable keys. Times are UTC; days are "YYYY-MM-DD" UTC dates.
// Maps keyed by gender or level hold every value seen in the data ("F",
// "M", "free", "paid" in the Sparkify logs; "unknown" for NULL), with zeros
// where a day has none.
type Summary struct {
	// SchemaVersion is the version of this contract (SchemaVersion).
	SchemaVersion int `json:"schema_version"`
	// GeneratedAt is when the report was made (UTC, whole seconds).
	GeneratedAt time.Time `json:"generated_at"`
	// Empty is true when no song plays are loaded (the page says so and
	// shows no charts).
	Empty bool `json:"empty"`
	// Period is the time covered by the song plays.
	Period Period `json:"period"`
	// ReportPeriod is the period asked for, and how it compares with the
	// one before it.
	ReportPeriod ReportPeriod `json:"report_period"`
	// TableRows is the row count of each star table.
	TableRows TableRows `json:"table_rows"`
	// Plays are the headline figures of the song plays.
	Plays Plays `json:"plays"`
	// Users are the figures of the users table.
	Users Users `json:"users"`
	// Days has one entry per UTC day from Period.FirstDay to Period.LastDay,
	// days without plays included (with zeros).
	Days []Day `json:"days"`
	// PlaysByHour has 24 entries: song plays in each hour of the day (UTC),
	// index = hour.
	PlaysByHour []int64 `json:"plays_by_hour"`
	// PlaysByWeekdayHour is 7 rows (weekday, 0 = Sunday ... 6 = Saturday) of
	// 24 hours (UTC): PlaysByWeekdayHour[weekday][hour].
	PlaysByWeekdayHour [][]int64 `json:"plays_by_weekday_hour"`
	// WeekdayCounts has 7 entries (0 = Sunday): how many of each weekday the
	// days from Period.FirstDay to Period.LastDay hold.
	WeekdayCounts []int `json:"weekday_counts"`
	// PlaysByWeekdayHourAvg is PlaysByWeekdayHour divided by WeekdayCounts:
	// the average song plays in each hour of one day of that weekday,
	// PlaysByWeekdayHourAvg[weekday][hour]. A weekday the period does not
	// hold (count 0) has no average: its row is null.
	PlaysByWeekdayHourAvg [][]float64 `json:"plays_by_weekday_hour_avg"`
	// TopSongs are the 10 most played songs among the plays matched to the
	// catalogue, most played first, ties by song_id.
	TopSongs []TopSong `json:"top_songs"`
	// TopArtists are the 10 most played artists among the plays matched to
	// the catalogue, most played first, ties by artist_id.
	TopArtists []TopArtist `json:"top_artists"`
	// TopUsers are the 10 users with the most plays (matched or not), most
	// first, ties by user_id.
	TopUsers []TopUser `json:"top_users"`
	// Charts lists the charts of the report (PNG and SVG files) with their
	// pixel sizes, in page order. Empty when Empty is true.
	Charts []Chart `json:"charts"`
	// Loads says how fresh the data is: the last load attempt, the last
	// successful load and warnings (null when the warehouse has no load
	// history).
	Loads *Loads `json:"loads"`
}

// Period is the time covered by the song plays. All fields are zero (null,
// "", 0) when there are no plays.
type Period struct {
	// FirstPlay and LastPlay are the times of the first and last song play.
	FirstPlay *time.Time `json:"first_play"`
	LastPlay  *time.Time `json:"last_play"`
	// FirstDay and LastDay are their UTC dates, YYYY-MM-DD.
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
	// Days is the number of days from FirstDay to LastDay, both included.
	Days int `json:"days"`
	// DaysWithPlays is the number of those days with at least one play.
	DaysWithPlays int `json:"days_with_plays"`
}

// ReportPeriod is the period the report covers (SPARKIFY_REPORT_PERIOD).
type ReportPeriod struct {
	// Spec is the period asked for, as SPARKIFY_REPORT_PERIOD spells it:
	// "all", "30d", "2018-11" or "2018-11-01..2018-11-15". Every figure
	// but TableRows and Users' counts by current level and gender covers
	// it.
	Spec string `json:"spec"`
	// Name says the period in words, as the page does.
	Name string `json:"name"`
	// From and To are the period's first and last day, YYYY-MM-DD: for all
	// history FirstDay and LastDay; for a bounded period the days asked
	// (for "Nd", the N days up to the day of the last play), whether or
	// not they hold plays.
	From string `json:"from"`
	To   string `json:"to"`
	// Previous compares the period with the one before it (as many days
	// right before; the month before, for a month); null for all history.
	Previous *Comparison `json:"previous"`
}

// Comparison is the headline figures of the period before, and how the
// period's own differ from them.
type Comparison struct {
	// From and To are the days of the period before, YYYY-MM-DD.
	From string `json:"from"`
	To   string `json:"to"`
	// Plays, Users and PaidShare are its song plays, distinct users with
	// plays, and share of plays at the paid level (0 without plays).
	Plays     int64   `json:"plays"`
	Users     int64   `json:"users"`
	PaidShare float64 `json:"paid_share"`
	// PlaysChange and UsersChange are the relative changes to the period's
	// figures (0.25 = 25% more), null when the period before has none.
	PlaysChange *float64 `json:"plays_change"`
	UsersChange *float64 `json:"users_change"`
	// PaidShareChange is the period's paid share less the one before, in
	// share points (0.05 = 5 points more), null when the period before has
	// no plays.
	PaidShareChange *float64 `json:"paid_share_change"`
}

// TableRows is the row count of each star table (all zero when the tables
// do not exist yet).
type TableRows struct {
	Songplays int64 `json:"songplays"`
	Users     int64 `json:"users"`
	Songs     int64 `json:"songs"`
	Artists   int64 `json:"artists"`
	Time      int64 `json:"time"`
}

// Plays are the headline figures of the song plays.
type Plays struct {
	// Total is the number of song plays (rows of songplays).
	Total int64 `json:"total"`
	// Matched is the number of plays matched to the song catalogue
	// (song_id not null); Unmatched the others.
	Matched   int64 `json:"matched"`
	Unmatched int64 `json:"unmatched"`
	// MatchedShare is Matched / Total, 0 when there are no plays.
	MatchedShare float64 `json:"matched_share"`
	// ByLevel is the plays by the level at the time of play.
	ByLevel map[string]int64 `json:"by_level"`
	// ByGender is the plays by the user's gender.
	ByGender map[string]int64 `json:"by_gender"`
	// PaidShare is ByLevel["paid"] / Total, 0 when there are no plays.
	PaidShare float64 `json:"paid_share"`
	// Users is the number of distinct users with at least one play.
	Users int64 `json:"users"`
	// Sessions is the number of distinct (user_id, session_id) pairs with
	// at least one play.
	Sessions int64 `json:"sessions"`
}

// Users are the figures of the users table.
type Users struct {
	// Total is the number of users (everyone seen in the logs).
	Total int64 `json:"total"`
	// ByLevel and ByGender count users by their current level and gender
	// (from each user's latest event).
	ByLevel  map[string]int64 `json:"by_level"`
	ByGender map[string]int64 `json:"by_gender"`
	// FreeToPaid is the number of users with song plays who moved from free
	// to paid: a free play followed by a later paid play or by a paid
	// current level. PaidToFree likewise the other way.
	FreeToPaid int64 `json:"free_to_paid"`
	PaidToFree int64 `json:"paid_to_free"`
}

// Day is the activity of one UTC day.
type Day struct {
	// Date is the UTC date, YYYY-MM-DD.
	Date string `json:"date"`
	// Plays is the number of song plays that day.
	Plays int64 `json:"plays"`
	// ByGender and ByLevel split Plays by the user's gender and by the
	// level at the time of play; every category of the period is present.
	ByGender map[string]int64 `json:"by_gender"`
	ByLevel  map[string]int64 `json:"by_level"`
	// PaidShare is ByLevel["paid"] / Plays, null on a day without plays.
	PaidShare *float64 `json:"paid_share"`
	// Sessions is the number of sessions with a song play that day.
	Sessions int64 `json:"sessions"`
}

// TopSong is one row of the top-10 songs.
type TopSong struct {
	Rank       int    `json:"rank" db:"-"`
	SongID     string `json:"song_id"`
	Title      string `json:"title"`
	ArtistName string `json:"artist_name"`
	Plays      int64  `json:"plays"`
}

// TopArtist is one row of the top-10 artists.
type TopArtist struct {
	Rank     int    `json:"rank" db:"-"`
	ArtistID string `json:"artist_id"`
	Name     string `json:"name"`
	Plays    int64  `json:"plays"`
}

// TopUser is one row of the top-10 users, with the user's current name and
// level.
type TopUser struct {
	Rank      int    `json:"rank" db:"-"`
	UserID    int64  `json:"user_id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Level     string `json:"level"`
	Plays     int64  `json:"plays"`
}

// Chart is one chart of the report, drawn twice: as PNG (for e-mail) and
// as SVG (for the page).
type Chart struct {
	// File is the PNG's file name, relative to the report folder.
	File string `json:"file"`
	// SVG is the SVG's file name: File with .svg for .png.
	SVG string `json:"svg"`
	// Title is the chart's title as drawn and shown on the page.
	Title string `json:"title"`
	// Width and Height are the chart's size in pixels (the SVG's in CSS
	// pixels).
	Width  int `json:"width"`
	Height int `json:"height"`
}

// dateLayout is the layout of every day in the summary and on the page.
const dateLayout = "2006-01-02"

// Summarize turns the query results into the summary: it fills the days
// without plays with zeros, adds the hour-of-day totals and the shares. It
// leaves Charts empty: Write fills it with the charts it renders.
// generatedAt is stored in UTC, truncated to the second.
func Summarize(d Data, generatedAt time.Time) Summary {
	s := Summary{
		SchemaVersion:      SchemaVersion,
		GeneratedAt:        generatedAt.UTC().Truncate(time.Second),
		Empty:              !d.Loaded || d.Plays == 0,
		TableRows:          d.TableRows,
		Days:               []Day{},
		PlaysByHour:        make([]int64, 24),
		PlaysByWeekdayHour: make([][]int64, 7),
		WeekdayCounts:      make([]int, 7),
		TopSongs:           nonNil(d.TopSongs),
		TopArtists:         nonNil(d.TopArtists),
		TopUsers:           nonNil(d.TopUsers),
		Loads:              d.Loads,
		Charts:             []Chart{},
	}
	for i := range s.PlaysByWeekdayHour {
		s.PlaysByWeekdayHour[i] = make([]int64, 24)
	}
	s.Users = summarizeUsers(d)
	s.Plays = summarizePlays(d)
	for _, r := range d.PlaysByWeekdayHour {
		if r.Weekday < 0 || r.Weekday > 6 || r.Hour < 0 || r.Hour > 23 {
			continue
		}
		s.PlaysByWeekdayHour[r.Weekday][r.Hour] += r.Plays
		s.PlaysByHour[r.Hour] += r.Plays
	}
	if d.Plays > 0 && !d.FirstPlay.IsZero() {
		s.summarizeDays(d)
	}
	s.PlaysByWeekdayHourAvg = weekdayHourAverages(s.PlaysByWeekdayHour, s.WeekdayCounts)
	s.ReportPeriod = s.reportPeriod(d)
	return s
}

// summarizeUsers counts the users by current level and gender.
func summarizeUsers(d Data) Users {
	u := Users{
		ByLevel:    map[string]int64{},
		ByGender:   map[string]int64{},
		FreeToPaid: d.FreeToPaid,
		PaidToFree: d.PaidToFree,
	}
	for _, r := range d.UsersByLevelGender {
		u.Total += r.Users
		u.ByLevel[category(r.Level)] += r.Users
		u.ByGender[category(r.Gender)] += r.Users
	}
	return u
}

// summarizePlays is the headline figures of the plays, with their shares
// and their split by level and gender.
func summarizePlays(d Data) Plays {
	p := Plays{
		Total:     d.Plays,
		Matched:   d.MatchedPlays,
		Unmatched: d.Plays - d.MatchedPlays,
		ByLevel:   map[string]int64{},
		ByGender:  map[string]int64{},
		Users:     d.PlayingUsers,
		Sessions:  d.Sessions,
	}
	if d.Plays > 0 {
		p.PaidShare = float64(d.PaidPlays) / float64(d.Plays)
		p.MatchedShare = float64(d.MatchedPlays) / float64(d.Plays)
	}
	for _, r := range d.PlaysByDay {
		p.ByLevel[category(r.Level)] += r.Plays
		p.ByGender[category(r.Gender)] += r.Plays
	}
	return p
}

// summarizeDays fills Period, Days and WeekdayCounts from the first to the
// last play's day; s.Plays must be filled already (its categories).
func (s *Summary) summarizeDays(d Data) {
	first, last := d.FirstPlay.UTC(), d.LastPlay.UTC()
	s.Period.FirstPlay, s.Period.LastPlay = &first, &last
	s.Days = fillDays(day(first), day(last), d.PlaysByDay, d.SessionsByDay,
		categories(s.Plays.ByGender), categories(s.Plays.ByLevel))
	s.Period.FirstDay = day(first).Format(dateLayout)
	s.Period.LastDay = day(last).Format(dateLayout)
	s.Period.Days = len(s.Days)
	for _, dd := range s.Days {
		if dd.Plays > 0 {
			s.Period.DaysWithPlays++
		}
	}
	for t := day(first); !t.After(day(last)); t = t.AddDate(0, 0, 1) {
		s.WeekdayCounts[t.Weekday()]++
	}
}

// reportPeriod says which period the report covers and compares it with
// the one before; s.Period and s.Plays must be filled already.
func (s *Summary) reportPeriod(d Data) ReportPeriod {
	rp := ReportPeriod{Spec: d.Period.String(), Name: periodName(d.Period, d.From, d.To),
		From: s.Period.FirstDay, To: s.Period.LastDay}
	if d.Period.Bounded() {
		rp.From, rp.To = d.From.Format(dateLayout), d.To.Format(dateLayout)
	}
	if p := d.Previous; p != nil {
		c := &Comparison{From: p.From.Format(dateLayout), To: p.To.Format(dateLayout), Plays: p.Plays, Users: p.Users}
		if p.Plays > 0 {
			c.PaidShare = float64(p.PaidPlays) / float64(p.Plays)
			c.PlaysChange = floatPtr(float64(d.Plays-p.Plays) / float64(p.Plays))
			c.PaidShareChange = floatPtr(s.Plays.PaidShare - c.PaidShare)
		}
		if p.Users > 0 {
			c.UsersChange = floatPtr(float64(d.PlayingUsers-p.Users) / float64(p.Users))
		}
		rp.Previous = c
	}
	return rp
}

func floatPtr(v float64) *float64 { return &v }

// periodName says the period in words: "all history", "the last 30 days",
// "November 2018", "2018-11-01 to 2018-11-15".
func periodName(p PeriodSpec, from, to time.Time) string {
	switch p.Kind {
	case LastDays:
		if p.Days == 1 {
			return "the last day with plays"
		}
		return fmt.Sprintf("the last %d days", p.Days)
	case Month:
		return from.Format("January 2006")
	case DayRange:
		if from.Equal(to) {
			return from.Format(dateLayout)
		}
		return from.Format(dateLayout) + " to " + to.Format(dateLayout)
	}
	return "all history"
}

// weekdayHourAverages divides each weekday's row of totals by how many of
// that weekday the period holds; a weekday it does not hold gets a nil row
// (null in summary.json), not zeros: there is nothing to average.
func weekdayHourAverages(totals [][]int64, counts []int) [][]float64 {
	out := make([][]float64, len(totals))
	for wd, row := range totals {
		if counts[wd] == 0 {
			continue
		}
		out[wd] = make([]float64, len(row))
		for h, v := range row {
			out[wd][h] = float64(v) / float64(counts[wd])
		}
	}
	return out
}

// fillDays returns one Day for every date from first to last (UTC midnights,
// both included), with the plays and sessions of the rows that fall on it and
// zeros elsewhere. Every day's maps hold every gender and level given.
func fillDays(first, last time.Time, plays []DayPlays, sessions []DaySessions, genders, levels []string) []Day {
	if last.Before(first) {
		return []Day{}
	}
	index := map[string]int{}
	var days []Day
	for t := first; !t.After(last); t = t.AddDate(0, 0, 1) {
		dd := Day{
			Date:     t.Format(dateLayout),
			ByGender: map[string]int64{},
			ByLevel:  map[string]int64{},
		}
		for _, g := range genders {
			dd.ByGender[g] = 0
		}
		for _, l := range levels {
			dd.ByLevel[l] = 0
		}
		index[dd.Date] = len(days)
		days = append(days, dd)
	}
	for _, r := range plays {
		i, ok := index[day(r.Day).Format(dateLayout)]
		if !ok {
			continue
		}
		days[i].Plays += r.Plays
		days[i].ByGender[category(r.Gender)] += r.Plays
		days[i].ByLevel[category(r.Level)] += r.Plays
	}
	for _, r := range sessions {
		if i, ok := index[day(r.Day).Format(dateLayout)]; ok {
			days[i].Sessions += r.Sessions
		}
	}
	for i := range days {
		if days[i].Plays > 0 {
			share := float64(days[i].ByLevel["paid"]) / float64(days[i].Plays)
			days[i].PaidShare = &share
		}
	}
	return days
}

// day returns the UTC midnight of t's UTC date.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// category maps a NULL (empty) gender or level to Unknown.
func category(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// categories returns the keys of m in display order: alphabetical, Unknown
// last.
func categories(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == Unknown) != (keys[j] == Unknown) {
			return keys[j] == Unknown
		}
		return keys[i] < keys[j]
	})
	return keys
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
