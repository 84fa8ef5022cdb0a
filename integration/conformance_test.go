//go:build integration

package integration

import "testing"

// engines are the warehouse engines the job supports, as the suite reaches
// them (Stack.UseTarget): Postgres in its container, and Redshift through
// the strict Redshift emulator with a provisioned cluster's system tables.
// "redshift-serverless", the same engine with Serverless's SYS views, runs
// the scenarios that read those views (TestLoadFixtureOnServerless,
// TestLoadFailedCopyShowsItsRows, ...). A new engine adds a row here and a
// case to Stack.UseTarget, and must pass TestConformance.
var engines = []string{"postgres", "redshift"}

// conformance is the suite every engine passes, as golang-migrate's
// drivers pass its shared driver tests: each scenario runs the job against
// the engine and asserts the same outcome on every engine (the report's
// numbers against the same golden files).
var conformance = []struct {
	name string
	run  func(t *testing.T, engine string)
}{
	{"LoadFixture", testLoadFixture},
	{"LoadTwiceIsIdempotent", testLoadTwiceIsIdempotent},
	{"LoadDayByDayEqualsAllAtOnce", testLoadDayByDayEqualsAllAtOnce},
	{"LoadTooManyMalformedRecordsCommitsNothing", testLoadTooManyMalformedRecordsCommitsNothing},
	{"ConcurrentLoadsWaitForTheLock", testConcurrentLoadsWaitForTheLock},
	{"IncrementalLoads", testIncrementalLoads},
	{"SongArrivingAfterItsPlays", testSongArrivingAfterItsPlays},
	{"MatchingUsesEachSongsOwnSpelling", testMatchingUsesEachSongsOwnSpelling},
	{"PlayLoadedBeforeItsSongIsMatchedLater", testPlayLoadedBeforeItsSongIsMatchedLater},
	{"KeysDifferingByTrailingBlanksAreOneKey", testKeysDifferingByTrailingBlanksAreOneKey},
	{"SourcesThatChange", testSourcesThatChange},
	{"WarehouseEqualsItsSources", testWarehouseEqualsItsSources},
	{"RollupsFollowUsers", testRollupsFollowUsers},
	{"CommentsDescribeTheStarSchema", testCommentsDescribeTheStarSchema},
	{"RunResultAndLoadHistory", testRunResultAndLoadHistory},
	{"PhaseCheck", testPhaseCheck},
	{"ReportBeforeAnyLoad", testReportBeforeAnyLoad},
	{"LoadReportFixture", testLoadReportFixture},
	{"LoadReportHandMade", testLoadReportHandMade},
	{"ReportPeriod", testReportPeriod},
	{"ReportTimeout", testReportTimeout},
}

// TestConformance runs the conformance suite on every engine.
func TestConformance(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			for _, sc := range conformance {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, engine) })
			}
		})
	}
}
