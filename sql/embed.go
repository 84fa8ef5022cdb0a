// Package sql holds every SQL statement the job runs, as .sql files embedded
// into the binary, and the reader that splits them into statements and reads
// their annotations.
//
// Layout:
//
//	postgres/, redshift/  statements that differ per dialect: schema
//	                      migrations, staging tables, the load lock, staging
//	shared/               statements both targets run unchanged: transforms,
//	                      quality checks and report queries
//
// Code takes an fs.FS (FS() here, fstest.MapFS in tests). The package is
// named for its directory; the job talks to databases through pgx and never
// imports database/sql.
package sql

import "embed"

//go:embed postgres redshift shared
var files embed.FS

// FS returns the embedded SQL files.
func FS() embed.FS { return files }
