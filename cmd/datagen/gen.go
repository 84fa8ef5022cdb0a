package main

import (
	"cmp"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// spec sizes a data set; the same spec gives the same bytes.
type spec struct {
	songs, events, users, days int
	match                      float64 // share of NextSong events that match a song
	seed                       uint64
	start                      time.Time // UTC midnight of the first day
}

// Every random choice comes from a PCG seeded with the spec's seed and a
// stream that names what it is for (and which artist, song, user or day), so
// that each object is a pure function of the spec and its index, whatever
// the order the workers write in. Only integer arithmetic and exact float
// comparisons decide the output: no math.Exp or fused multiply-add that
// could round differently on another architecture.
const (
	domArtist = iota + 1
	domSong
	domPhantom
	domUser
	domDays
	domDay
	domIDs
)

func newRand(seed, domain, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, domain<<56|i))
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	upper      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	dayMs      = 24 * 60 * 60 * 1000
	// idSpace is 36^6, the values of uniqueID's six characters.
	idSpace = 36 * 36 * 36 * 36 * 36 * 36
	// maxSongs keeps track, song and artist ids unique (uniqueID).
	maxSongs = 100_000_000
)

// uniqueID spells i as six base-36 characters through a bijection of
// [0, idSpace) (mult is prime to 36), so that ids look random yet never
// repeat.
func uniqueID(i, mult, off uint64) string {
	v := (i*mult + off) % idSpace
	var b [6]byte
	for k := 5; k >= 0; k-- {
		b[k] = upperAlnum[v%36]
		v /= 36
	}
	return string(b[:])
}

func randStr(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// skewed returns an index in [0, n) that favours small ones: a third
// uniform, a third as likely as the harmonic tail, a third steeper still. It
// makes a few songs and users popular.
func skewed(r *rand.Rand, n int) int {
	switch r.IntN(3) {
	case 0:
		return r.IntN(n)
	case 1:
		return r.IntN(r.IntN(n) + 1)
	}
	return r.IntN(r.IntN(r.IntN(n)+1) + 1)
}

// durationUnits returns a track length in units of 1e-5 s, between 15 s and
// about 13 minutes, mostly around 4: odd for catalogue songs, and even with
// a last digit other than 0 for songs that must match none (so that an
// unmatched play can never equal a catalogue duration).
func durationUnits(r *rand.Rand, odd bool) int64 {
	var n int64
	switch x := r.IntN(100); {
	case x < 3:
		n = 15e5 + r.Int64N(45e5)
	default:
		n = 60e5
		for range 5 {
			n += r.Int64N(72e5)
		}
		if x >= 95 {
			n += r.Int64N(400e5)
		}
	}
	return parity(n, odd)
}

func parity(n int64, odd bool) int64 {
	if odd {
		return n | 1
	}
	n &^= 1
	if n%10 == 0 {
		n += 2
	}
	return n
}

// appendUnits writes n x 1e-5 with exactly five decimals (218.93179): the
// JSON number parses back to float64(n)/1e5, the same float64.
func appendUnits(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/1e5, 10)
	frac := strconv.FormatInt(n%1e5+1e5, 10) // 1ddddd
	b = append(b, '.')
	return append(b, frac[1:]...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// doubleEncode reads the UTF-8 bytes of s as Latin-1 and encodes them
// again ("José" becomes "JosÃ©"), the upstream defect some names carry.
func doubleEncode(s string) string {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}

var stripAccents = strings.NewReplacer(
	"á", "a", "à", "a", "ä", "a", "ã", "a", "é", "e", "ë", "e", "ê", "e", "í", "i", "ó", "o",
	"ö", "o", "ø", "o", "Ø", "O", "ú", "u", "ü", "u", "ñ", "n", "ç", "c", "ř", "r", "Ł", "L",
)

type artist struct {
	id       string
	names    []string // the spellings its song files use
	location string
	lat      string // a JSON number, or null
	long     string
}

func personName(r *rand.Rand) string { return pick(r, firstNames) + " " + pick(r, lastNames) }

func artistName(r *rand.Rand) string {
	switch x := r.IntN(20); {
	case x < 7:
		return personName(r)
	case x < 12:
		return "The " + pick(r, adjectives) + " " + pick(r, pluralNouns)
	case x < 15:
		return pick(r, adjectives) + " " + pick(r, pluralNouns)
	case x < 18:
		return pick(r, bandNames)
	}
	return pick(r, firstNames) + " & The " + pick(r, pluralNouns)
}

// respell returns another spelling of an artist's name, as other song
// files have it ("GOB" and "Gob", "The Owls" and "Owls", "José" and "Jose"),
// or name itself when none applies.
func respell(r *rand.Rand, name string) string {
	k := r.IntN(4)
	for range 4 {
		var v string
		switch k {
		case 0:
			if v = strings.ToUpper(name); v == name {
				v = name[:1] + strings.ToLower(name[1:])
			}
		case 1:
			if v = strings.TrimPrefix(name, "The "); v == name {
				v = "The " + name
			}
		case 2:
			v = strings.ReplaceAll(name, " & ", " and ")
		case 3:
			v = stripAccents.Replace(name)
		}
		if v != name {
			return v
		}
		k = (k + 1) % 4
	}
	return name
}

func title(r *rand.Rand) string {
	words := strings.Fields(pick(r, titlePatterns))
	for i, w := range words {
		switch w {
		case "A":
			words[i] = pick(r, adjectives)
		case "N":
			words[i] = pick(r, nouns)
		case "V":
			words[i] = pick(r, verbs)
		case "P":
			words[i] = personName(r)
		}
	}
	t := strings.Join(words, " ")
	switch x := r.IntN(100); {
	case x < 3:
		t = `"` + t + `"`
	case x < 8 && !isASCII(t):
		t = doubleEncode(t)
	}
	return t
}

func (g *gen) artistAt(k int) artist {
	r := newRand(g.seed, domArtist, uint64(k))
	a := artist{id: "AR" + randStr(r, upperAlnum, 5) + "1187B" + uniqueID(uint64(k), 2_147_483_647, g.idOff[0]), lat: "null", long: "null"}
	name := artistName(r)
	a.names = []string{name}
	if r.IntN(100) < 15 {
		if v := respell(r, name); v != name {
			a.names = append(a.names, v)
		}
	}
	p := artistPlaces[r.IntN(len(artistPlaces))]
	hasLoc := r.IntN(100) < 55
	if hasLoc {
		a.location = p.name
	}
	if x := r.IntN(100); hasLoc && x < 60 || !hasLoc && x < 10 {
		a.lat = string(appendUnits(nil, p.lat))
		a.long = string(appendUnits(nil, p.long))
	}
	if !isASCII(name) && r.IntN(100) < 35 {
		for i, n := range a.names {
			a.names[i] = doubleEncode(n)
		}
		a.location = doubleEncode(a.location)
	}
	return a
}

// song is one song file.
type song struct {
	track, id string
	artist    int
	name      string // the artist's name as this file spells it
	title     string
	units     int64 // duration, 1e-5 s
	year      int
}

func (s *song) key() string {
	return "song_data/" + s.track[2:3] + "/" + s.track[3:4] + "/" + s.track[4:5] + "/" + s.track + ".json"
}

func (g *gen) songAt(i int) song {
	r := newRand(g.seed, domSong, uint64(i))
	first := "A"
	if r.IntN(8) == 0 {
		first = "B"
	}
	s := song{
		track: "TR" + first + randStr(r, upper, 4) + "128F" + randStr(r, upperAlnum, 1) + uniqueID(uint64(i), 1_000_003, g.idOff[1]),
		id:    "SO" + randStr(r, upper, 5) + "12A" + randStr(r, upperAlnum, 2) + uniqueID(uint64(i), 998_244_353, g.idOff[2]),
	}
	if r.IntN(10) < 3 {
		s.artist = skewed(r, len(g.artists))
	} else {
		s.artist = r.IntN(len(g.artists))
	}
	a := &g.artists[s.artist]
	s.name = a.names[r.IntN(len(a.names))]
	s.title = title(r)
	s.units = durationUnits(r, true)
	if r.IntN(100) >= 45 {
		s.year = 1960 + r.IntN(51)
	}
	return s
}

// phantomAt is a song that is in no song file: plays of it match nothing.
func (g *gen) phantomAt(i int) song {
	r := newRand(g.seed, domPhantom, uint64(i))
	s := song{name: artistName(r), title: title(r), units: durationUnits(r, false)}
	if !isASCII(s.name) && r.IntN(100) < 20 {
		s.name = doubleEncode(s.name)
	}
	return s
}

type user struct {
	id, first, last, gender, location, agent string
	registration                             string // "1540919166796.0"
	paid                                     bool
	busyUntil                                int64 // end of the user's last session, epoch ms
}

func (g *gen) userAt(i int) user {
	r := newRand(g.seed, domUser, uint64(i))
	u := user{id: strconv.Itoa(i + 1), first: pick(r, firstNames), last: pick(r, lastNames),
		gender: "MF"[r.IntN(2):][:1], location: pick(r, userLocations), paid: r.IntN(100) < 25}
	if r.IntN(50) == 0 {
		u.first = doubleEncode(u.first)
	}
	u.agent = pick(r, userAgents)
	if strings.Contains(u.agent, ",") {
		u.agent = `"` + u.agent + `"`
	}
	reg := g.start.UnixMilli() - 3600_000 - r.Int64N(180*dayMs)
	u.registration = strconv.FormatInt(reg, 10) + ".0"
	return u
}

// gen holds what every file is made from: the catalogue, the users and
// their state, which changes as the days are generated in order.
type gen struct {
	spec
	idOff   [3]uint64
	artists []artist
	songs   []song
	users   []user
	nextID  int64 // the next sessionId
}

func newGen(sp spec) *gen {
	g := &gen{spec: sp}
	r := newRand(sp.seed, domIDs, 0)
	for i := range g.idOff {
		g.idOff[i] = r.Uint64N(idSpace)
	}
	g.nextID = 1 + r.Int64N(1000)
	g.artists = make([]artist, max(1, (sp.songs+1)/2))
	parallel(len(g.artists), func(i int) { g.artists[i] = g.artistAt(i) })
	g.songs = make([]song, sp.songs)
	parallel(len(g.songs), func(i int) { g.songs[i] = g.songAt(i) })
	g.users = make([]user, sp.users)
	for i := range g.users {
		g.users[i] = g.userAt(i)
	}
	return g
}

// parallel calls fn for every index in [0, n), on every core.
func parallel(n int, fn func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// appendSong writes a song file as the public bucket has them: one object,
// Python's separators, no newline.
func (g *gen) appendSong(b []byte, s *song) []byte {
	a := &g.artists[s.artist]
	b = append(b, `{"num_songs": 1, "artist_id": `...)
	b = appendString(b, a.id)
	b = append(b, `, "artist_latitude": `...)
	b = append(b, a.lat...)
	b = append(b, `, "artist_longitude": `...)
	b = append(b, a.long...)
	b = append(b, `, "artist_location": `...)
	b = appendString(b, a.location)
	b = append(b, `, "artist_name": `...)
	b = appendString(b, s.name)
	b = append(b, `, "song_id": `...)
	b = appendString(b, s.id)
	b = append(b, `, "title": `...)
	b = appendString(b, s.title)
	b = append(b, `, "duration": `...)
	b = appendUnits(b, s.units)
	b = append(b, `, "year": `...)
	b = strconv.AppendInt(b, int64(s.year), 10)
	return append(b, '}')
}

// appendString writes s as a JSON string, non-ASCII text as it is.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// dayQuotas shares the events among the days: each day's weight varies,
// weekends a little busier, every day at least one event when there are
// enough, and the counts add up exactly.
func (g *gen) dayQuotas() []int {
	r := newRand(g.seed, domDays, 0)
	w := make([]int64, g.days)
	var total int64
	for d := range w {
		w[d] = 80 + r.Int64N(41)
		if wd := g.start.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			w[d] += 15
		}
		total += w[d]
	}
	base := 0
	if g.events >= g.days {
		base = 1
	}
	rest := int64(g.events - base*g.days)
	q := make([]int, g.days)
	order := make([]int, g.days)
	left := rest
	for d := range q {
		q[d] = base + int(rest*w[d]/total)
		left -= rest * w[d] / total
		order[d] = d
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rest*w[b]%total, rest*w[a]%total) })
	for i := range int(left) {
		q[order[i]]++
	}
	return q
}

// page is what an event did; the last three are resolved by the user's
// level when the session is given a user.
type page uint8

const (
	pNextSong page = iota
	pHome
	pLogin
	pLogout
	pThumbsUp
	pThumbsDown
	pAddToPlaylist
	pAddFriend
	pSettings
	pSaveSettings
	pHelp
	pAbout
	pError
	pRegister
	pSubmitRegistration
	pRollAdvert
	pUpgrade
	pSubmitUpgrade
	pDowngrade
	pSubmitDowngrade
	pAd           // Roll Advert for a free user, Home for a paid one
	pChange       // Upgrade or Downgrade
	pSubmitChange // Submit Upgrade or Submit Downgrade; the level flips after it
)

var pages = [...]struct {
	name, method string
	status       int
}{
	pNextSong: {"NextSong", "PUT", 200}, pHome: {"Home", "GET", 200}, pLogin: {"Login", "PUT", 307},
	pLogout: {"Logout", "PUT", 307}, pThumbsUp: {"Thumbs Up", "PUT", 307}, pThumbsDown: {"Thumbs Down", "PUT", 307},
	pAddToPlaylist: {"Add to Playlist", "PUT", 200}, pAddFriend: {"Add Friend", "PUT", 307},
	pSettings: {"Settings", "GET", 200}, pSaveSettings: {"Save Settings", "PUT", 307},
	pHelp: {"Help", "GET", 200}, pAbout: {"About", "GET", 200}, pError: {"Error", "GET", 404},
	pRegister: {"Register", "GET", 200}, pSubmitRegistration: {"Submit Registration", "PUT", 307},
	pRollAdvert: {"Roll Advert", "GET", 200}, pUpgrade: {"Upgrade", "GET", 200},
	pSubmitUpgrade: {"Submit Upgrade", "PUT", 307}, pDowngrade: {"Downgrade", "GET", 200},
	pSubmitDowngrade: {"Submit Downgrade", "PUT", 307},
}

type auth uint8

const (
	loggedIn auth = iota
	loggedOut
	guest
)

var authNames = [...]string{loggedIn: "Logged In", loggedOut: "Logged Out", guest: "Guest"}

type event struct {
	ts     int64 // from the session's start, then epoch ms
	sess   int32 // index of the day's session
	item   int32
	page   page
	auth   auth
	paid   bool
	match  bool
	title  string // NextSong only
	artist string
	units  int64
}

type session struct {
	id     int64
	start  int64 // ms into the day
	dur    int64
	user   int // -1: nobody logged in
	events []event
}

// builder appends a session's events, each after the one before.
type builder struct {
	g   *gen
	r   *rand.Rand
	t   int64
	evs []event
}

func (b *builder) add(p page, a auth) {
	e := event{ts: b.t, page: p, auth: a}
	gap := 1000 + b.r.Int64N(90_000)
	if p == pNextSong {
		e.title, e.artist, e.units, e.match = b.g.play(b.r)
		gap = e.units/100 + 1 + b.r.Int64N(1500)
	}
	b.evs = append(b.evs, e)
	b.t += gap
}

// play picks what a NextSong event played: a catalogue song exactly (the
// share -match), a catalogue song's title and artist in a recording of
// another length, or a song in no file.
func (g *gen) play(r *rand.Rand) (title, artist string, units int64, match bool) {
	if r.Float64() < g.match {
		s := &g.songs[skewed(r, len(g.songs))]
		return s.title, s.name, s.units, true
	}
	if r.IntN(5) < 2 {
		s := &g.songs[skewed(r, len(g.songs))]
		d := 1000 + r.Int64N(3_000_000) // 0.01 s to 30 s: more than any tolerance
		if r.IntN(2) == 0 && s.units > d+15e5 {
			d = -d
		}
		return s.title, s.name, parity(s.units+d, false), false
	}
	p := g.phantomAt(skewed(r, max(1, len(g.songs))))
	return p.title, p.name, p.units, false
}

// bodyPages are the pages of a logged-in session, each up to a share out
// of 1000: mostly plays; a level change (Upgrade then Submit Upgrade, or
// the Downgrade pair) in 3 of 1000.
var bodyPages = []struct {
	upTo int
	page page
}{
	{800, pNextSong}, {860, pHome}, {890, pThumbsUp}, {905, pThumbsDown}, {925, pAddToPlaylist},
	{935, pAddFriend}, {955, pAd}, {958, pChange}, {970, pSettings}, {980, pHelp}, {990, pAbout},
	{995, pError}, {1000, pNextSong},
}

// member builds a logged-in user's session of n events: sometimes the
// logged-out Home and Login before, sometimes Logout and a logged-out Home
// after; plays in between, with the app's other pages.
func (b *builder) member(n int) {
	prefix := n >= 4 && b.r.IntN(4) == 0
	suffix := n >= 6 && b.r.IntN(5) == 0
	if prefix {
		b.add(pHome, loggedOut)
		b.add(pLogin, loggedOut)
	}
	end := n
	if suffix {
		end -= 2
	}
	for len(b.evs) < end {
		left := end - len(b.evs)
		x, i := b.r.IntN(1000), 0
		for bodyPages[i].upTo <= x {
			i++
		}
		p := bodyPages[i].page
		if p == pChange && left < 2 {
			p = pNextSong
		}
		b.add(p, loggedIn)
		switch {
		case p == pChange:
			b.add(pSubmitChange, loggedIn)
		case p == pSettings && left >= 2 && b.r.IntN(2) == 0:
			b.add(pSaveSettings, loggedIn)
		}
	}
	if suffix {
		b.add(pLogout, loggedIn)
		b.add(pHome, loggedOut)
	}
}

// visitor builds a session of someone who never logs in (a Guest
// registering, or a logged-out visitor reading the pages).
func (b *builder) visitor(n int, a auth) {
	b.add(pHome, a)
	others := []page{pHome, pAbout, pHelp, pError}
	if a == guest {
		others = []page{pRegister, pSubmitRegistration, pHelp, pAbout}
	}
	for len(b.evs) < n {
		b.add(others[b.r.IntN(len(others))], a)
	}
}

// dayStats counts what a day holds.
type dayStats struct{ events, plays, matched int }

// day generates day d's log file: quota events, sorted by time. Days must
// be generated in order: users' levels and sessions carry over.
func (g *gen) day(d, quota int, buf []byte) ([]byte, dayStats) {
	r := newRand(g.seed, domDay, uint64(d))
	sessions := g.sessions(r, quota)
	all := make([]event, 0, quota)
	var st dayStats
	dayStart := g.start.AddDate(0, 0, d).UnixMilli()
	for i := range sessions {
		all = append(all, g.place(r, &sessions[i], i, dayStart, &st)...)
	}
	sortEvents(all, sessions)
	for i := range all {
		buf = g.appendEvent(buf, &all[i], &sessions[all[i].sess])
	}
	st.events = len(all)
	return buf, st
}

// sessions builds the day's sessions, quota events in all, each within the
// day, in the order of their starts (ms into the day).
func (g *gen) sessions(r *rand.Rand, quota int) []session {
	var sessions []session
	for left := quota; left > 0; {
		s := g.session(r, left)
		sessions = append(sessions, s)
		left -= len(s.events)
	}
	slices.SortStableFunc(sessions, func(a, b session) int { return cmp.Compare(a.start, b.start) })
	return sessions
}

// session builds one session of at most left events: a logged-out
// visitor's, a guest's or a member's (its user is chosen by place), its
// events cut to the day's end and its start drawn so that it fits the day.
func (g *gen) session(r *rand.Rand, left int) session {
	b := builder{g: g, r: r}
	s := session{user: -1}
	switch x := r.IntN(100); {
	case x < 8:
		b.visitor(min(left, 1+r.IntN(3)), loggedOut)
	case x < 10:
		b.visitor(min(left, 1+r.IntN(3)), guest)
	default:
		s.user = 0 // chosen by place, in the order of the sessions' starts
		b.member(min(left, 1+r.IntN(10)+r.IntN(r.IntN(60)+1)))
	}
	evs := b.evs
	for evs[len(evs)-1].ts >= dayMs-1 {
		evs = evs[:len(evs)-1]
	}
	s.events, s.dur = evs, evs[len(evs)-1].ts
	s.start = r.Int64N(dayMs - s.dur)
	return s
}

// place gives the day's i-th session its id and, for a member's, its user,
// moves its events to epoch ms, resolves their pages by the user's level
// (which a Submit Upgrade or Downgrade flips, for this session and the
// user's next), counts its plays into st and returns its events.
func (g *gen) place(r *rand.Rand, s *session, i int, dayStart int64, st *dayStats) []event {
	s.id = g.nextID
	g.nextID++
	if r.IntN(10) == 0 {
		g.nextID += 1 + r.Int64N(4)
	}
	abs := dayStart + s.start
	paid := false
	var u *user
	if s.user >= 0 {
		s.user = g.pickUser(r, abs)
		u = &g.users[s.user]
		u.busyUntil = abs + s.dur
		paid = u.paid
	}
	for j := range s.events {
		e := &s.events[j]
		e.ts += abs
		e.sess, e.item, e.paid = int32(i), int32(j), paid
		paid = resolve(e, paid, st)
	}
	if u != nil {
		u.paid = paid
	}
	return s.events
}

// resolve turns e's level-dependent page into the page a user of that
// level sees and counts a play into st; it returns the level after e.
func resolve(e *event, paid bool, st *dayStats) bool {
	switch e.page {
	case pAd:
		e.page = pick2(paid, pHome, pRollAdvert)
	case pChange:
		e.page = pick2(paid, pDowngrade, pUpgrade)
	case pSubmitChange:
		e.page = pick2(paid, pSubmitDowngrade, pSubmitUpgrade)
		return !paid
	case pNextSong:
		st.plays++
		if e.match {
			st.matched++
		}
	}
	return paid
}

// sortEvents orders the day's events by time, then session id, then item.
func sortEvents(all []event, sessions []session) {
	slices.SortFunc(all, func(a, b event) int {
		if c := cmp.Compare(a.ts, b.ts); c != 0 {
			return c
		}
		if c := cmp.Compare(sessions[a.sess].id, sessions[b.sess].id); c != 0 {
			return c
		}
		return cmp.Compare(a.item, b.item)
	})
}

// pick2 returns yes when cond holds, else no.
func pick2[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

// pickUser chooses who a session belongs to, favouring a few heavy users
// and avoiding one whose last session has not ended (after a few tries a
// user may have two at once, as on two devices).
func (g *gen) pickUser(r *rand.Rand, start int64) int {
	u := 0
	for range 8 {
		if u = skewed(r, len(g.users)); g.users[u].busyUntil <= start {
			break
		}
	}
	return u
}

// The log keys, in the order of the app's lines (and of the staging
// columns, log_json_path.json).
const (
	fArtist = iota
	fAuth
	fFirstName
	fGender
	fItemInSession
	fLastName
	fLength
	fLevel
	fLocation
	fMethod
	fPage
	fRegistration
	fSessionID
	fSong
	fStatus
	fTS
	fUserAgent
	fUserID
	nEventKeys
)

var eventKeys = [nEventKeys]string{
	fArtist: "artist", fAuth: "auth", fFirstName: "firstName", fGender: "gender", fItemInSession: "itemInSession",
	fLastName: "lastName", fLength: "length", fLevel: "level", fLocation: "location", fMethod: "method",
	fPage: "page", fRegistration: "registration", fSessionID: "sessionId", fSong: "song", fStatus: "status",
	fTS: "ts", fUserAgent: "userAgent", fUserID: "userId",
}

// value is one JSON value of a log line; the zero value is null.
type value struct {
	kind uint8 // vNull, vString, vRaw (s as it is), vInt (n), vUnits (n x 1e-5)
	s    string
	n    int64
}

const (
	vNull = iota
	vString
	vRaw
	vInt
	vUnits
)

func text(s string) value { return value{kind: vString, s: s} }
func num(n int64) value   { return value{kind: vInt, n: n} }

// appendEvent writes one log line, keys in the app's order.
func (g *gen) appendEvent(b []byte, e *event, s *session) []byte {
	p := pages[e.page]
	var v [nEventKeys]value
	v[fAuth], v[fItemInSession], v[fLevel] = text(authNames[e.auth]), num(int64(e.item)), text(pick2(e.paid, "paid", "free"))
	v[fMethod], v[fPage], v[fSessionID] = text(p.method), text(p.name), num(s.id)
	v[fStatus], v[fTS], v[fUserID] = num(int64(p.status)), num(e.ts), text("")
	if e.page == pNextSong {
		v[fArtist], v[fSong], v[fLength] = text(e.artist), text(e.title), value{kind: vUnits, n: e.units}
	}
	if e.auth == loggedIn {
		u := &g.users[s.user]
		v[fFirstName], v[fGender], v[fLastName], v[fLocation] = text(u.first), text(u.gender), text(u.last), text(u.location)
		v[fRegistration], v[fUserAgent], v[fUserID] = value{kind: vRaw, s: u.registration}, text(u.agent), text(u.id)
	}
	for i, k := range eventKeys {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		b = append(b, sep, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		switch x := v[i]; x.kind {
		case vNull:
			b = append(b, "null"...)
		case vString:
			b = appendString(b, x.s)
		case vRaw:
			b = append(b, x.s...)
		case vInt:
			b = strconv.AppendInt(b, x.n, 10)
		case vUnits:
			b = appendUnits(b, x.n)
		}
	}
	return append(b, "}\n"...)
}

// logKey is the log file of day d.
func (g *gen) logKey(d int) string {
	t := g.start.AddDate(0, 0, d)
	return t.Format("log_data/2006/01/2006-01-02-events.json")
}
