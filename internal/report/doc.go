// Package report builds the analytics dashboard of the warehouse: it runs the
// report queries (sql/shared/report, the same files on Postgres and
// Redshift) in one read-only snapshot, turns their rows into a Summary (the
// contract of summary.json), renders the charts as PNG and SVG with
// gonum/plot, writes a self-contained index.html and, when asked, uploads
// the files to S3.
//
// The stages are separate so that each can be tested on its own:
//
//	Collect    database rows -> Data        (needs a database)
//	Summarize  Data -> Summary              (pure: gap filling, shares, averages)
//	Write      Summary -> files in a folder (charts, index.html, summary.json)
//	Upload     files -> s3://bucket/prefix/<date>/
package report
