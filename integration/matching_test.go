//go:build integration

package integration

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// testMatchingUsesEachSongsOwnSpelling pins the matching rule: a play matches
// a song when its artist is spelled as in that song's own file, whichever
// spelling the artists table keeps; trailing blanks do not count (Redshift
// ignores them); and songs loaded earlier still match plays loaded later
// with other song files.

func testMatchingUsesEachSongsOwnSpelling(t *testing.T, target string) {
	s := startStack(t)
	s.Env(t)
	s.UseTarget(t, target)
	if target != "postgres" {
		// Incremental, as on Postgres: without a staging location every
		// Redshift load rebuilds from the prefixes it is given, and the
		// second load below points at other prefixes.
		t.Setenv("SPARKIFY_STAGING_URI", "s3://"+s.Bucket+"/staging")
	}
	s.Put(t, "song_data/A/A/A/TR1.json", []byte(`{"num_songs":1,"artist_id":"AR1","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"Gob","song_id":"SO1","title":"Face the Ashes","duration":209.60608,"year":2007}`))
	s.Put(t, "song_data/A/A/B/TR2.json", []byte(`{"num_songs":1,"artist_id":"AR1","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"GOB","song_id":"SO2","title":"Paris Is Burning","duration":199.99302,"year":2004}`))
	event := func(item int, artist, song string, length string, ts int64) string {
		return `{"artist":"` + artist + `","auth":"Logged In","firstName":"A","gender":"F","itemInSession":` + strconv.Itoa(item) + `,"lastName":"B","length":` + length + `,"level":"free","location":"X","method":"PUT","page":"NextSong","registration":null,"sessionId":1,"song":"` + song + `","status":200,"ts":` + strconv.FormatInt(ts, 10) + `,"userAgent":"UA","userId":"5"}` + "\n"
	}
	s.Put(t, "log_data/2018/11/2018-11-01-events.json", []byte(
		event(0, "Gob", "Face the Ashes", "209.60608", 1541030400000)+ // own spelling: SO1
			event(1, "GOB", "Face the Ashes", "209.60608", 1541030500000)+ // the other spelling: no match
			event(2, "GOB ", "Paris Is Burning", "199.99302", 1541030600000)+ // trailing blank: SO2
			event(3, "GOB", "Paris Is Burning", "199.993", 1541030700000))) // 0.02 ms off: SO2
	mustLoad(t)

	// A later load with other song files: plays still match SO1.
	s.Put(t, "song_data2/B/B/B/TR3.json", []byte(`{"num_songs":1,"artist_id":"AR3","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"Other","song_id":"SO3","title":"Other","duration":100.0,"year":0}`))
	s.Put(t, "log_data2/2018/11/2018-11-02-events.json", []byte(event(4, "Gob", "Face the Ashes", "209.60608", 1541116800000)))
	t.Setenv("SPARKIFY_SONG_DATA", s.URI("song_data2"))
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data2"))
	mustLoad(t)

	got := map[int]string{}
	conn := s.Conn(t)
	rows, err := conn.Query(context.Background(), "SELECT item_in_session, COALESCE(song_id, 'none') FROM songplays ORDER BY item_in_session")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var item int
		var song string
		if err := rows.Scan(&item, &song); err != nil {
			t.Fatal(err)
		}
		got[item] = song
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: "SO1", 1: "none", 2: "SO2", 3: "SO2", 4: "SO1"}
	for item, w := range want {
		if got[item] != w {
			t.Errorf("play %d matched %q, want %q", item, got[item], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d plays, want %d", len(got), len(want))
	}
}

// testPlayLoadedBeforeItsSongIsMatchedLater: a play whose song was not in the
// catalogue gets it when its events are loaded again with that song.

func testPlayLoadedBeforeItsSongIsMatchedLater(t *testing.T, target string) {
	s := startStack(t)
	s.Env(t)
	s.UseTarget(t, target)
	s.Put(t, "song_data/A/A/A/TR1.json", []byte(`{"num_songs":1,"artist_id":"AR1","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"Casual","song_id":"SO1","title":"Other Song","duration":100.5,"year":0}`))
	s.Put(t, "log_data/2018/11/2018-11-01-events.json", []byte(`{"artist":"Casual","auth":"Logged In","firstName":"A","gender":"F","itemInSession":0,"lastName":"B","length":218.93179,"level":"free","location":"X","method":"PUT","page":"NextSong","registration":null,"sessionId":1,"song":"I Didn't Mean To","status":200,"ts":1541030400000,"userAgent":"UA","userId":"5"}`+"\n"))
	mustLoad(t)
	s.Put(t, "song_data/A/A/B/TR2.json", []byte(`{"num_songs":1,"artist_id":"AR1","artist_latitude":null,"artist_longitude":null,"artist_location":"","artist_name":"Casual","song_id":"SO2","title":"I Didn't Mean To","duration":218.93179,"year":0}`))
	out := mustLoad(t)
	if !strings.Contains(out, "  songplays          0         1         1\n") {
		t.Errorf("second load should update the one play:\n%s", out)
	}
	var song string
	if err := s.Conn(t).QueryRow(context.Background(), "SELECT song_id || '/' || artist_id FROM songplays").Scan(&song); err != nil {
		t.Fatal(err)
	}
	if song != "SO2/AR1" {
		t.Errorf("play matched %q, want SO2/AR1", song)
	}
	out = mustLoad(t)
	if !strings.Contains(out, "  songplays          0         0         1\n") {
		t.Errorf("third load should change nothing:\n%s", out)
	}
}
