package report

import (
	"math"
	"math/rand/v2"
	"time"
)

// sampleData is a month of made-up but plausible activity: a day without
// plays (Nov 13), weekly and daily rhythms, both levels and genders, a few
// NULL genders, and top-10 rows with names that need HTML escaping.
func sampleData() Data { return sampleDays(30) }

// sampleDays is sampleData over n days from Thu 2018-11-01; the first 30
// are the same as sampleData's.
func sampleDays(n int) Data {
	rng := rand.New(rand.NewPCG(1, 2))
	d := Data{
		Loaded:    true,
		TableRows: TableRows{Songplays: 0, Users: 97, Songs: 14896, Artists: 10025, Time: 0},
		UsersByLevelGender: []LevelGenderUsers{
			{Level: "free", Gender: "F", Users: 40},
			{Level: "free", Gender: "M", Users: 34},
			{Level: "paid", Gender: "F", Users: 15},
			{Level: "paid", Gender: "M", Users: 7},
			{Level: "free", Gender: "", Users: 1},
		},
		FreeToPaid: 9,
		PaidToFree: 3,
	}
	first := time.Date(2018, 11, 1, 0, 0, 0, 0, time.UTC)
	hourWeight := func(h int) float64 { return 1 + 1.5*math.Exp(-math.Pow(float64(h-17), 2)/18) }
	for dayN := 0; dayN < n; dayN++ {
		day := first.AddDate(0, 0, dayN)
		if dayN == 12 {
			continue // no plays on Nov 13
		}
		weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
		base := 230.0
		if weekend {
			base = 120
		}
		counts := map[[2]string]int64{}
		var dayTotal int64
		for h := 0; h < 24; h++ {
			n := int64(base * hourWeight(h) / 40 * (0.7 + 0.6*rng.Float64()))
			d.PlaysByWeekdayHour = append(d.PlaysByWeekdayHour, WeekdayHourPlays{Weekday: int(day.Weekday()), Hour: h, Plays: n})
			for i := int64(0); i < n; i++ {
				g := "F"
				if rng.Float64() < 0.4 {
					g = "M"
				} else if rng.Float64() < 0.01 {
					g = ""
				}
				l := "paid"
				if rng.Float64() < 0.22 {
					l = "free"
				}
				counts[[2]string{g, l}]++
				if l == "paid" {
					d.PaidPlays++
				}
			}
			dayTotal += n
		}
		for k, n := range counts {
			d.PlaysByDay = append(d.PlaysByDay, DayPlays{Day: day, Gender: k[0], Level: k[1], Plays: n})
		}
		d.SessionsByDay = append(d.SessionsByDay, DaySessions{Day: day, Sessions: dayTotal/12 + 3})
		d.Plays += dayTotal
		d.Sessions += dayTotal/12 + 3
	}
	d.WeekdayHourMerge()
	d.TableRows.Songplays = d.Plays
	d.TableRows.Time = d.Plays - 5
	d.MatchedPlays = 333
	d.PlayingUsers = 96
	d.FirstPlay = time.Date(2018, 11, 1, 0, 2, 3, 0, time.UTC)
	d.LastPlay = time.Date(2018, 11, n, 23, 58, 1, 0, time.UTC)
	d.TopSongs = []TopSong{
		{1, "SOBONKR12A58A7A7E0", "You're The One", "Dwight Yoakam", 37},
		{2, "SOHTKMO12AB01843B0", "Catch You Baby (Steve Pitron & Max Sanna Radio Edit)", "Lonnie Gordon", 9},
		{3, "SOUNZHU12A8AE47481", "I CAN'T GET STARTED", "Ron Carter", 9},
		{4, "SOXYZ00000000000001", "<script>alert(1)</script>", "Beyoncé & \"Friends\"", 2},
	}
	d.TopArtists = []TopArtist{
		{1, "AR5E44Z1187B9A1D74", "Dwight Yoakam", 37},
		{2, "ARD46C811C8A414F3F", "Kid Cudi / Kanye West / Common", 10},
		{3, "ARXYZ", "Mötley Crüe <b>", 2},
	}
	d.TopUsers = []TopUser{
		{1, 49, "Chloe", "Cuevas", "paid", 689},
		{2, 80, "Tegan", "Levine", "paid", 665},
		{3, 97, "Kate", "Harrell", "paid", 557},
		{4, 15, "Lily", "Koch", "paid", 463},
		{5, 44, "Aleena", "Kirby", "paid", 397},
		{6, 29, "Jacqueline", "Lynch", "paid", 346},
		{7, 24, "Layla", "Griffin", "paid", 321},
		{8, 73, "Jacob", "Klein", "paid", 289},
		{9, 88, "Mohammad", "Rodriguez", "paid", 270},
		{10, 36, "Matthew", "Jones", "paid", 248},
	}
	return d
}

// WeekdayHourMerge sums duplicate (weekday, hour) rows, as the query's
// GROUP BY would.
func (d *Data) WeekdayHourMerge() {
	m := map[[2]int]int64{}
	for _, r := range d.PlaysByWeekdayHour {
		m[[2]int{r.Weekday, r.Hour}] += r.Plays
	}
	d.PlaysByWeekdayHour = nil
	for wd := 0; wd < 7; wd++ {
		for h := 0; h < 24; h++ {
			if n, ok := m[[2]int{wd, h}]; ok {
				d.PlaysByWeekdayHour = append(d.PlaysByWeekdayHour, WeekdayHourPlays{Weekday: wd, Hour: h, Plays: n})
			}
		}
	}
}
