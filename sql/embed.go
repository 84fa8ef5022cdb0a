// Package sqlfiles holds every SQL statement the job runs, as .sql files
// embedded into the binary.
//
// Layout:
//
//	postgres/, redshift/  statements that differ per dialect: schema
//	                      migrations, staging tables, the load lock, staging
//	shared/               statements both targets run unchanged: transforms,
//	                      quality checks and report queries
package sqlfiles

import "embed"

//go:embed postgres redshift shared
var files embed.FS

// FS returns the embedded SQL files.
func FS() embed.FS { return files }
