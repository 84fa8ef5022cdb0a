// Package warehouse builds and runs a load: the ordered plan of statements
// for a target (schema migrations, staging, the shared transforms and
// quality checks), executed in one transaction so that the star tables are
// either fully updated or left as they were.
//
// Where a new engine goes: a file of its own (postgres.go and redshift.go
// are the two) with a type that implements engine (engine.go), one entry in
// the engines table, its SQL under sql/<target>/, and a row in the
// integration suite's table of engines, whose conformance scenarios it must pass.
//
// The runner (run.go) talks to the database through Session (session.go):
// exec, query, begin. Errors come back with warehouse sentinels
// (ErrUndefinedTable, ErrPermissionDenied, ...) so that nothing outside the
// session reads a driver's codes.
package warehouse
