// Package cli is the job's command line: it parses flags, loads the
// configuration, sets up logging and runs the selected phases in order,
// turning their outcome into an exit code (0 done, 1 the work failed,
// 2 usage or configuration error).
package cli
