package main

// The vocabularies the generator draws names from. They mix ASCII and
// non-ASCII text, as the public dataset does; apostrophes, ampersands and
// accents are deliberate.
var (
	firstNames = []string{
		"Ryan", "Sylvie", "Kevin", "Lily", "Jacob", "Chloe", "Tegan", "Aleena", "Jayden", "Kate",
		"Mohammad", "Layla", "Matthew", "Ava", "Cienna", "Jordyn", "Rylan", "Avery", "Brayden", "Lucero",
		"José", "Zoë", "Björn", "Renée", "Sigrún", "Łukasz", "François", "Søren", "Mónica", "Andrés",
		"Céline", "Jürgen", "Raúl", "Inês", "Chloé", "Dagný",
	}
	lastNames = []string{
		"Smith", "Cruz", "Jordan", "Martin", "Klein", "Daniels", "Levine", "Kirby", "Garrison", "Reed",
		"O'Brien", "Rodriguez", "Jones", "Lynch", "Owens", "Harrell", "Wilson", "Griffin", "Bell", "Yoakam",
		"González", "Müller", "Nørgaard", "García", "Kowalski", "Sánchez", "Ødegaard", "Hernández", "Dvořák", "Nuñez",
	}
	// bandNames are one-word acts; a few carry umlauts of the heavy kind.
	bandNames = []string{
		"Casual", "GOB", "Sigur Rós", "Motörhead", "Björk", "Mötley Crüe", "Hüsker Dü", "Röyksopp",
		"Maná", "Coldplay", "Muse", "Keane", "Travis", "Kasabian", "Mogwai", "Múm", "Hot Chip",
		"Phoenix", "Daft Punk", "Los Lobos",
	}
	adjectives = []string{
		"Velvet", "Electric", "Broken", "Silent", "Golden", "Crimson", "Lonely", "Wild", "Midnight",
		"Blue", "Frozen", "Hollow", "Neon", "Rusty", "Sacred", "Little", "Black", "Bright", "Lost",
		"Sweet", "Strange", "Happy", "Dirty", "Perfect",
	}
	pluralNouns = []string{
		"Owls", "Kings", "Hearts", "Wolves", "Sparrows", "Machines", "Saints", "Shadows", "Rivers",
		"Ghosts", "Pilots", "Tigers", "Strangers", "Lovers", "Echoes", "Mountains", "Daggers",
		"Angels", "Horses", "Sisters", "Brothers", "Cowboys",
	}
	nouns = []string{
		"Love", "Heart", "Night", "Fire", "Rain", "Dream", "Road", "Sky", "Song", "Light", "Girl",
		"Home", "Time", "World", "River", "Paris", "Ashes", "Summer", "Winter", "Money", "Angel",
		"Ocean", "Star", "Silence", "Gold", "Memory", "Heaven", "Mercy", "Train", "Moon",
		"Corazón", "Café", "Mañana", "Señorita", "Niña", "Déjà Vu", "Hoppípolla", "Fräulein",
	}
	verbs = []string{
		"Burning", "Falling", "Running", "Dancing", "Waiting", "Breaking", "Dreaming", "Shining",
		"Crying", "Driving", "Fading", "Holding On",
	}
	// titlePatterns are filled by title: A an adjective, N a noun, V a verb,
	// P a person's name.
	titlePatterns = []string{
		"N", "A N", "The N", "N of N", "V", "V N", "Don't Stop V", "I Didn't Mean To V",
		"You're The One", "A N in the N", "N (Album Version)", "A N (LP Version)", "N feat. P",
		"V in N", "Where the N Is", "N & N", "I'm Not Your N", "N (Live)", "A N [Explicit]",
		"Tonight's N",
	}
	// userLocations are metropolitan areas, as in the app's logs.
	userLocations = []string{
		"San Jose-Sunnyvale-Santa Clara, CA", "Atlanta-Sandy Springs-Roswell, GA",
		"Lansing-East Lansing, MI", "Chicago-Naperville-Elgin, IL-IN-WI",
		"New York-Newark-Jersey City, NY-NJ-PA", "Houston-The Woodlands-Sugar Land, TX",
		"Los Angeles-Long Beach-Anaheim, CA", "Washington-Arlington-Alexandria, DC-VA-MD-WV",
		"Portland-South Portland, ME", "Tampa-St. Petersburg-Clearwater, FL",
		"Phoenix-Mesa-Scottsdale, AZ", "San Francisco-Oakland-Hayward, CA",
		"Detroit-Warren-Dearborn, MI", "Red Bluff, CA", "Birmingham-Hoover, AL",
		"Lake Havasu City-Kingman, AZ", "Janesville-Beloit, WI", "Marinette, WI-MI",
		"Winston-Salem, NC", "Seattle-Tacoma-Bellevue, WA",
	}
	// userAgents are browsers of the app's era. The logs quote those that
	// hold a comma (a CSV export upstream): see agent.
	userAgents = []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36",
		"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.125 Safari/537.36",
		"Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
		"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36",
		"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36",
		"Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.77.4 (KHTML, like Gecko) Version/7.0.5 Safari/537.77.4",
	}
)

// place is an artist location with its coordinates in 1e-5 degrees.
type place struct {
	name      string
	lat, long int64
}

var artistPlaces = []place{
	{"California - LA", 3405349, -11824532}, {"New York, NY", 4071455, -7400712},
	{"London, England", 5150632, -12714}, {"Göteborg, Sweden", 5770887, 1197456},
	{"Reykjavík, Iceland", 6413548, -2189541}, {"Vancouver, BC", 4926044, -12311403},
	{"Memphis, TN", 3514968, -9004892}, {"Chicago, IL", 4188415, -8763241},
	{"Hamilton, Ohio", 3939926, -8456176}, {"Montréal, Québec, Canada", 4551228, -7355418},
	{"São Paulo, Brazil", -2354724, -4663582}, {"Berlin, Germany", 5252000, 1340495},
	{"Austin, TX", 3026758, -9774298}, {"Seattle, WA", 4760636, -12233206},
	{"Paris, France", 4885667, 234850}, {"México D.F.", 1943260, -9913320},
	{"Kingston, Jamaica", 1801790, -7680940}, {"Detroit, MI", 4233143, -8304575},
}
